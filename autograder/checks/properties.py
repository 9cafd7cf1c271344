"""Properties of a function beyond its values: purity, stability, form.

Each function takes plain values the parent already holds and returns None
when the property holds, or a message for the student.
"""

from __future__ import annotations

import ast

import numpy as np

from autograder.engine.protocol import Code

OVERFLOW_WORDS = ("overflow", "divide by zero", "invalid value")


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


def stability_problem(name: str, value, warnings: list[str], reveal: bool = True) -> str | None:
    """No overflow/invalid warnings and no nan or inf in the result."""
    numeric = [w for w in warnings if any(word in w for word in OVERFLOW_WORDS)]
    if numeric:
        text = f": {numeric[0]!r}" if reveal else " (overflow, division by zero or an invalid value)"
        return (f"{name} raised a numerical warning on extreme inputs{text}. "
                "Rewrite it so that no intermediate value overflows (e.g. split on the sign of z).")
    for part in _arrays_in(value):
        if not np.all(np.isfinite(part)):
            return f"{name} returned nan or inf on extreme inputs; every entry must be a finite number."
    return None


def _arrays_in(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _arrays_in(v)
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _arrays_in(v)
    else:
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return
        yield array


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
        tree = ast.parse(source)
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
