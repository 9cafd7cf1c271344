"""Turn notebook cell source into plain Python, the way IPython would.

Magics and shell escapes become calls on ``get_ipython()``, which the grader's
child process answers with a stand-in (``magics.Shell``). The cell of a
magic that runs it as Python (``%%time``, ``%%timeit``, ``%%prun``,
``%%capture``) is handed over transformed too, as IPython would transform it
before running it: the stand-in runs plain Python only.
"""

from __future__ import annotations

import ast
import functools

from IPython.core.inputtransformer2 import TransformerManager

from autograder.notebook.syntax import parse

_manager = TransformerManager()

PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "prun", "capture"})


@functools.lru_cache(maxsize=4096)
def to_python(source: str) -> str:
    """``source`` as IPython would run it (magics and shell escapes become
    calls); unchanged when IPython cannot transform it. Cached: a class's
    notebooks share most of their cells."""
    try:
        python = _manager.transform_cell(source)
    except Exception:  # leave it to the compiler to report the syntax error with a line number
        return source
    magic = _cell_magic(python)
    if magic is None or magic[0] not in PYTHON_CELL_MAGICS:
        return python
    name, line, body = magic
    return f"get_ipython().run_cell_magic({name!r}, {line!r}, {to_python(body)!r})\n"


def _cell_magic(python: str) -> tuple[str, str, str] | None:
    """(name, line, cell) if ``python`` is IPython's rendering of a cell magic."""
    if not python.startswith("get_ipython().run_cell_magic("):
        return None
    try:
        tree = parse(python)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic"
            and len(call.args) == 3 and not call.keywords
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)):
        return None
    name, line, body = (a.value for a in call.args)
    return name, line, body
