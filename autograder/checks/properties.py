"""Properties of a function beyond its values: purity, stability, form.

Each function takes plain values the parent already holds and returns None
when the property holds, or a message for the student.
"""

from __future__ import annotations

import ast

import numpy as np

from autograder.engine.protocol import Code
from autograder.notebook.syntax import parse
from autograder.tree import tree_leaves

NUMERIC_WARNINGS = ("overflow", "underflow", "divide by zero", "invalid value")


def purity_problem(name: str, arg_names: tuple[str, ...], before: tuple, after: tuple | None,
                   aliases: list[str], reveal: bool = True) -> str | None:
    """Did the call change an argument in place, or return a view of one?
    With ``reveal=False`` no value of the (hidden) inputs is named."""
    if after is not None:
        for index, (old, new) in enumerate(zip(before, after)):
            label = arg_names[index] if index < len(arg_names) else f"argument {index}"
            where = _first_change(old, new)
            if where is not None:
                where = where if reveal else ""
                return (f"{name} changed its argument `{label}` in place{where}. "
                        "Compute a new array instead (e.g. `theta = theta - lr * grad`, not `theta -= ...`).")
    if aliases:
        parts = f" ({', '.join(aliases)})" if reveal else ""
        return (f"{name} returned a view of its input{parts}: "
                "the caller's array would change with it. Return a new array.")
    return None


def repeat_problem(name: str, first, second, second_error: str | None = None) -> str | None:
    """A function called twice on the very same argument objects must give
    the same result (to rounding): if not, the first call changed them. Says
    nothing about the values themselves, so hidden inputs stay hidden."""
    if second_error is not None:
        return (f"{name} failed when called a second time on the same arguments, so its first call must have "
                f"changed them in place. Compute a new array instead (e.g. `theta = theta - lr * grad`, "
                f"not `theta -= ...`).")
    if _same(first, second):
        return None
    return (f"{name} returned a different result when called a second time on the very same arguments: its "
            f"first call changed them in place. Compute a new array instead (e.g. `theta = theta - lr * grad`, "
            f"not `theta -= ...`).")


def _same(a, b) -> bool:
    """Equal structure and equal numbers to rounding; values the grader cannot
    look into (handles, functions) count as equal."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            _same(a[k], b[k]) for k in a)
    try:
        x, y = np.asarray(a), np.asarray(b)
    except (TypeError, ValueError):
        return True
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        return True
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True))


def _first_change(old, new) -> str | None:
    if isinstance(old, Code):  # a function given as input is not data the call could change
        return None
    if isinstance(old, np.ndarray):
        if not isinstance(new, np.ndarray) or new.shape != old.shape:
            return " (its shape changed)"
        same = (old == new) | (np.isnan(old) & np.isnan(new)) if old.dtype.kind == "f" else old == new
        if np.all(same):
            return None
        index = np.unravel_index(int(np.argmin(same.ravel())), old.shape)
        return f" (entry {list(map(int, index))} was {old[index].item()!r}, is now {new[index].item()!r})"
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)) and len(old) == len(new):
        for a, b in zip(old, new):
            change = _first_change(a, b)
            if change:
                return change
        return None
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            change = _first_change(old[key], new.get(key)) if key in new else f" (key {key!r} was removed)"
            if change:
                return f" (key {key!r}{change.strip(' ()') and ': ' + change.strip(' ()')})"
        return None
    return None if _equal_scalars(old, new) else " (its value changed)"


def _equal_scalars(a, b) -> bool:
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:
        return False


def stability_problem(name: str, value, expected=None, rtol: float = 1e-6, atol: float = 0.0,
                      reveal: bool = True) -> str | None:
    """Judged by the values alone (a warning can be silenced, an overflow
    cannot): nan or inf where the true value is finite, or exactly 0 or 1
    where the true value is not (beyond ``atol + rtol*|expected|``), the
    mark of an intermediate step that overflowed or underflowed. Without
    ``expected`` only nan and inf are found. Other wrong values, and results
    shaped unlike ``expected``, are left to ``compare``. With
    ``reveal=False`` no value or position is named."""
    got_parts = list(_arrays_in(value))
    want_parts = list(_arrays_in(expected)) if expected is not None else [None] * len(got_parts)
    if len(want_parts) != len(got_parts):
        return None
    for got, want in zip(got_parts, want_parts):
        if want is not None and got.shape != want.shape:
            return None
        finite = np.isfinite(want) if want is not None else np.ones(got.shape, dtype=bool)
        broken = ~np.isfinite(got) & finite
        if broken.any():
            where = f" (at {_index(broken)})" if reveal else ""
            return (f"{name} returned nan or inf on extreme inputs{where}; every entry must be a finite number. "
                    f"{REWRITE}")
        if want is None:
            continue
        off = np.abs(got - want) > atol + rtol * np.abs(want)
        for edge in (0.0, 1.0):
            stuck = off & (got == edge) & (want != edge)
            if stuck.any():
                true_value = float(want.ravel()[_first(stuck)])
                detail = f" (at {_index(stuck)}: expected {true_value:.6g})" if reveal else ""
                return (f"{name} returned exactly {edge:g} where the true value is not{detail}: an intermediate "
                        f"value overflowed or underflowed. {REWRITE}")
    return None


REWRITE = ("Rewrite it so that no intermediate value overflows or underflows (e.g. split on the sign of z, so "
           "that exp only ever sees -|z|).")


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask.ravel()))


def _index(mask: np.ndarray) -> str:
    return str(list(map(int, np.unravel_index(_first(mask), mask.shape)))) if mask.ndim else "the value"


def _arrays_in(value):
    """Every leaf of ``value`` that is numbers, as a float64 array; other leaves are left out."""
    for leaf in tree_leaves(value):
        try:
            yield np.asarray(leaf, dtype=float)
        except (TypeError, ValueError):
            continue


LOOP_NODES = {
    ast.For: "a for loop", ast.AsyncFor: "a for loop", ast.While: "a while loop",
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
}
LOOPING_CALLS = {"vectorize": "np.vectorize", "map": "map", "apply_along_axis": "np.apply_along_axis",
                 "frompyfunc": "np.frompyfunc", "fromiter": "np.fromiter"}


def loop_problem(name: str, source: str) -> str | None:
    """The body of ``def name`` in ``source`` must contain no Python-level loop."""
    try:
        tree = parse(source)
    except SyntaxError:
        return f"the cell that defines {name} could not be parsed."
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == name]
    if not functions:
        return f"could not find the definition of {name} to inspect its form."
    for node in ast.walk(functions[-1]):
        for kind, label in LOOP_NODES.items():
            if isinstance(node, kind):
                return f"{name} must be vectorized, but it uses {label} (line {node.lineno} of its cell)."
        if isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if callee in LOOPING_CALLS:
                return (f"{name} must be vectorized, but it calls {LOOPING_CALLS[callee]} "
                        f"(line {node.lineno} of its cell), which loops in Python.")
    return None
