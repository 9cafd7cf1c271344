"""Parsing Python source in the grader, one thread at a time.

CPython 3.11 keeps the recursion depth of its AST conversion per
interpreter, not per thread: two threads of a batch (``grade -j 2``)
converting source to AST objects at once can fail with "SystemError: AST
constructor recursion depth mismatch" (fixed in CPython 3.12). Our own
parsing goes through ``parse`` and ``symbol_table``; the standard library
parses too (``traceback`` formats an exception's caret line with
``ast.parse``), so ``serialize_ast_parsing`` puts ``ast.parse`` itself under
the same lock before a batch starts its threads.
"""

from __future__ import annotations

import ast
import symtable as _symtable
import sys
import threading

_one_at_a_time = threading.RLock()  # re-entrant: a locked parse may format a traceback that parses
_unlocked_parse = ast.parse


def parse(source: str, filename: str = "<unknown>", mode: str = "exec", **options) -> ast.AST:
    """``ast.parse(source, filename, mode, **options)`` under a process-wide
    lock. Raises SyntaxError (and ValueError for null bytes) as ``ast.parse`` does."""
    with _one_at_a_time:
        return _unlocked_parse(source, filename, mode, **options)


def symbol_table(source: str, filename: str) -> _symtable.SymbolTable:
    """``symtable.symtable(source, filename, "exec")`` under the same lock."""
    with _one_at_a_time:
        return _symtable.symtable(source, filename, "exec")


def serialize_ast_parsing() -> None:
    """Make every ``ast.parse`` of this process take the lock (idempotent).
    Only the grader's process calls it, before it starts grading threads;
    nothing changes on CPython 3.12 and later, which keep the depth per thread."""
    if sys.version_info < (3, 12):
        ast.parse = parse
