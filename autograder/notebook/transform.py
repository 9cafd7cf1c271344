"""Turn notebook cell source into plain Python, the way IPython would.

Magics and shell escapes become calls on ``get_ipython()``, which the grader's
child process answers with a stand-in that ignores them.
"""

from __future__ import annotations

from IPython.core.inputtransformer2 import TransformerManager

_manager = TransformerManager()


def to_python(source: str) -> str:
    try:
        return _manager.transform_cell(source)
    except Exception:  # leave it to the compiler to report the syntax error with a line number
        return source
