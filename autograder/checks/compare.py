"""Tolerance comparison with a mismatch report a student can act on.

``compare(got, expected, ...)`` returns ``None`` when the values agree and a
message otherwise. The message names the part of the result that is wrong
(``element 1 of the tuple``, ``key 'dW1'``), the expected and actual shape, and
the worst entries, in the spirit of numpy.testing's report. For hidden tests
the expected values are never printed.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

MAX_LISTED = 5


@dataclass(frozen=True)
class Tolerance:
    """An entry is right when ``|got - expected| <= atol + rtol * |expected|``
    (numpy.isclose's rule; ``atol`` in the values' own units)."""

    rtol: float = 1e-6
    atol: float = 1e-9

    def describe(self) -> str:
        """The rule as the student reads it in a message."""
        return f"|got - expected| <= {self.atol:g} + {self.rtol:g}*|expected|"


def compare(got, expected, tol: Tolerance = Tolerance(), *, what: str = "your result",
            layout: str = "", reveal: bool = True, values: bool = True,
            names: tuple[str, ...] | None = None) -> str | None:
    """Compare a student's value with the expected one.

    ``reveal=False`` (hidden tests) shows neither expected values nor anything
    the student's code produced (values, shapes, lengths, type names): a
    function could encode the hidden inputs in any of them. ``values=False``
    checks only structure, shapes and dtypes (e.g. randomly initialised
    parameters, whose values are free). A tuple is always a structure (the
    contract's ``-> (theta, losses)``), compared element by element and each
    element named by ``names`` when given; a list of numbers is an array.

    Returns None when they agree, else one message (the first difference).
    TypeError if ``expected`` is of a type no contract returns (a grader bug).
    """
    if isinstance(expected, dict):
        return _compare_dict(got, expected, tol, what, layout, reveal, values)
    if isinstance(expected, tuple) or (isinstance(expected, list) and not _is_numeric_sequence(expected)):
        return _compare_sequence(got, expected, tol, what, layout, reveal, values, names)
    if isinstance(expected, (bool, np.bool_)):
        return _compare_bool(got, bool(expected), what, reveal)
    if problem := dtype_problem(got, expected, what, reveal):
        return problem
    if isinstance(expected, numbers.Number) or (isinstance(expected, np.ndarray) and expected.ndim == 0):
        return _compare_scalar(got, float(expected), tol, what, reveal, values)
    if isinstance(expected, (np.ndarray, list, tuple)):
        return _compare_array(got, np.asarray(expected, dtype=float), tol, what, layout, reveal, values)
    raise TypeError(f"cannot compare with expected value of type {type(expected).__name__}")


def dtype_problem(got, expected, what: str, reveal: bool) -> str | None:
    """CURRICULUM: float64 everywhere. A float32 or float16 result where a
    float64 one is expected fails even when its digits happen to be close
    enough: its precision is what breaks the numerical derivatives built on it."""
    if not isinstance(got, (np.ndarray, np.floating)) or got.dtype.kind != "f" or got.dtype.itemsize >= 8:
        return None
    if isinstance(expected, (bool, np.bool_)) or not _is_float_valued(expected):
        return None
    kind = f"has dtype {got.dtype}" if reveal else "is not float64"
    return (f"{what} {kind}; the contract says float64. Compute in float64 (no float32/float16 casts or "
            f"dtype= arguments).")


def _is_float_valued(value) -> bool:
    if isinstance(value, float) or (isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind == "f"):
        return True
    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(value).dtype.kind == "f"
        except (ValueError, TypeError):
            return False
    return False


def _is_numeric_sequence(value) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


def _but(got, reveal: bool) -> str:
    return f", but it is {describe_type(got)}" if reveal else ""


def _compare_dict(got, expected, tol, what, layout, reveal, values):
    if not isinstance(got, dict):
        return f"{what} should be a dict with keys {sorted(expected)}{_but(got, reveal)}."
    missing = [key for key in expected if key not in got]
    if missing:
        has = f" (it has {sorted(map(str, got))})" if reveal else ""
        return f"{what} is missing the key(s) {', '.join(map(repr, missing))}{has}."
    for key, value in expected.items():
        problem = compare(got[key], value, tol, what=f"{what}[{key!r}]", layout=layout, reveal=reveal, values=values)
        if problem:
            return problem
    return None


def _compare_sequence(got, expected, tol, what, layout, reveal, values, names=None):
    # An array in place of a tuple of values is read along its first axis: its elements can still be right.
    if not isinstance(got, (tuple, list)) and not (isinstance(got, np.ndarray) and got.ndim > 0):
        return f"{what} should be a tuple of {len(expected)} values{_but(got, reveal)}."
    if len(got) != len(expected):
        has = f", but it has {len(got)}" if reveal else ""
        return f"{what} should have {len(expected)} elements{has}."
    names = names if names and len(names) == len(expected) else None
    for index, value in enumerate(expected):
        part = f"`{names[index]}` of {what}" if names else f"element {index} of {what}"
        problem = compare(got[index], value, tol, what=part, layout=layout, reveal=reveal, values=values)
        if problem:
            return problem
    return None


def _compare_bool(got, expected, what, reveal):
    try:
        value = bool(got)
    except Exception:  # an array with several entries has no truth value
        return f"{what} should be True or False{_but(got, reveal)}."
    if value == expected:
        return None
    return f"{what} is {value}, expected {expected}." if reveal else f"{what} is {value}, which is wrong."


def _compare_scalar(got, expected, tol, what, reveal, values):
    try:
        number = as_float(got)
    except OverflowError:  # an integer too large for a float (JSON carries them): no number the grader expects
        number = float("inf") if got > 0 else float("-inf")
    if number is None:
        return f"{what} should be a single number{_but(got, reveal)}."
    if not values:
        return None
    if _close(np.array(number), np.array(expected), tol).all():
        return None
    if reveal:
        return (f"{what} is {number:.6g}, expected {expected:.6g} "
                f"(abs error {abs(number - expected):.3g}; tolerance {tol.describe()}).")
    return f"{what} is wrong (tolerance {tol.describe()})."


def as_float(value) -> float | None:
    """The contract's scalar rule: a Python float, np.float64 or 0-d array."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    return None


def _compare_array(got, expected, tol, what, layout, reveal, values):
    array = as_float_array(got, expected.shape)
    if array is None:
        return f"{what} should be an array of shape {expected.shape}{_but(got, reveal)}."
    if array.shape != expected.shape:
        note = f" Layout: {layout}" if layout else ""
        hint = _shape_hint(array.shape, expected.shape)
        has = f"has shape {array.shape}" if reveal else "has the wrong shape"
        return f"{what} {has}, expected shape {expected.shape}.{hint}{note}"
    if not values:
        return None
    bad = ~_close(array, expected, tol)
    if not bad.any():
        return None
    headline = (f"{what} has {wrong_entries(bad, reveal)} out of {bad.size} (tolerance {tol.describe()}).")
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        relative = np.abs(array - expected) / np.abs(expected)
    return mismatch_report(headline, array, expected, bad, relative, reveal=reveal)


def as_float_array(value, shape: tuple | None = None) -> np.ndarray | None:
    """``value`` as a float64 array, or None if it is not numbers. Given the
    expected ``shape``, an array of another shape comes back unconverted (only
    its shape is read): the grader never allocates more than the expected value
    needs for what a student's process sent."""
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError, OverflowError):
            return None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        return None
    if shape is not None and value.shape != tuple(shape):
        return value
    return value.astype(float, copy=False)


def _close(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(got - expected) <= tol.atol + tol.rtol * np.abs(expected)
    same_special = (np.isnan(got) & np.isnan(expected)) | (np.isinf(got) & (got == expected))
    return close | same_special


def _shape_hint(got: tuple, expected: tuple) -> str:
    if len(got) == 2 and got[::-1] == expected and got != expected:
        return " It looks transposed."
    if int(np.prod(got)) == int(np.prod(expected)):
        return " It has the right number of entries, arranged in the wrong shape."
    return ""


def wrong_entries(bad: np.ndarray, reveal: bool) -> str:
    """How many entries are wrong: the count in a public case; in a hidden
    one only whether all or some are, since which entries a student's code
    gets wrong, and how many, could be chosen from a hidden input."""
    count = int(bad.sum())
    if reveal:
        return f"{count} wrong entr{'y' if count == 1 else 'ies'}"
    return "every entry wrong" if bad.all() else "wrong entries"


def mismatch_report(headline: str, got: np.ndarray, expected: np.ndarray, bad: np.ndarray, relative: np.ndarray,
                    *, reveal: bool, labels: tuple[str, str] = ("got", "expected"), rank_by_relative: bool = False,
                    limit: int = MAX_LISTED) -> str:
    """The report of entries that differ, in numpy.testing's manner:
    ``headline``, then the largest absolute and relative
    difference among the wrong entries, then the worst ``limit`` entries by
    index, worst first, and how many more there are.

    ``got``, ``expected``, ``bad`` (True where an entry is wrong; at least one
    is) and ``relative`` (each entry's relative difference, as the check
    defines it) have one shape. ``labels`` name the two values in each entry's
    line (``got 1.5, expected 2``); ``rank_by_relative`` ranks the entries by
    ``relative`` instead of the absolute difference, and shows it on each
    line. With ``reveal=False`` (hidden inputs) it is the headline alone: no
    number computed from the values, and no index, since which entries are
    wrong is the student's code's choice and could spell out a hidden input."""
    if not reveal:
        return headline
    with np.errstate(invalid="ignore", over="ignore"):
        absolute = np.abs(got - expected)
    rank = np.where(np.isnan(relative if rank_by_relative else absolute), np.inf,
                    relative if rank_by_relative else absolute)
    count = int(bad.sum())
    lines = [headline]
    for kind, differences in (("absolute", absolute), ("relative", relative)):
        finite = differences[bad & np.isfinite(differences)]
        if finite.size:  # none when every wrong entry is nan or inf, or its relative difference infinite
            lines.append(f"  Max {kind} difference among the wrong entries: {float(finite.max()):.6g}")
    for flat in np.argsort(-np.where(bad, rank, -1).ravel(), kind="stable")[:min(limit, count)]:
        index = np.unravel_index(flat, got.shape)
        where = "[" + ", ".join(str(int(i)) for i in index) + "]"
        line = f"  at {where}: {labels[0]} {got[index]:.6g}, {labels[1]} {expected[index]:.6g}"
        lines.append(line + (f" (relative error {relative[index]:.2g})" if rank_by_relative else ""))
    if count > limit:
        lines.append(f"  ... and {count - limit} more")
    return "\n".join(lines)


def describe_type(value) -> str:
    """What a value is, for a message: type, and an array's shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} elements"
    if value is None:
        return "None (did you forget a return statement?)"
    if type(value).__name__ == "Handle":  # an object that stayed in the student's process
        kind = f"an {value.type_name}" if value.type_name.startswith("array") else f"an object of type {value.type_name}"
        return f"{kind}, which cannot be graded (return real numbers, float arrays, lists, tuples or dicts)"
    return f"a {type(value).__name__}"
