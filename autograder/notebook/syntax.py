"""Parsing Python source in the grader, one thread at a time.

CPython 3.11 keeps the recursion depth of its AST conversion per
interpreter, not per thread: two threads of a batch (``grade -j 2``)
parsing at once can fail with "SystemError: AST constructor recursion
depth mismatch" (fixed in CPython 3.12). Every parse of a submission's
source in the grader goes through ``parse`` (and ``symbol_table``).
"""

from __future__ import annotations

import ast
import symtable as _symtable
import threading

_one_at_a_time = threading.Lock()


def parse(source: str, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """``ast.parse(source, filename, mode)`` under a process-wide lock.
    Raises SyntaxError (and ValueError for null bytes) as ``ast.parse`` does."""
    with _one_at_a_time:
        return ast.parse(source, filename, mode)


def symbol_table(source: str, filename: str) -> _symtable.SymbolTable:
    """``symtable.symtable(source, filename, "exec")`` under the same lock."""
    with _one_at_a_time:
        return _symtable.symtable(source, filename, "exec")
