"""Keeping the grader's code in the student's process out of reach, and
finding out when it was reached anyway.

Student code runs in the same process as the code that calls its functions
and reports what happened (``student_code``, ``protocol``). That code is
hidden from the notebook (``hide``: its modules leave ``sys.modules`` and
cannot be imported again), and everything it relies on is recorded before the
first cell runs (``snapshot``) and compared before the process reports
anything (``intact``): the code objects of its functions (by identity and by
a digest of their bytecode), the entries of its modules, classes and private
builtins, and the library code it calls around a student's call (the
classes and functions it holds by reference, their methods and the module
names they look up). A mismatch makes the grader
distrust what the process says about itself. This raises the bar; it is no
proof: code in the process can still change memory behind Python's back.
Standard library only: this runs in the sandbox.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions (see protocol.py).
__builtins__ = dict(vars(_builtins))

import _socket
import json
import json.encoder
import socket
import struct
import sys
import traceback
import types
import warnings

# Sent, before its reply, by a process that found the grader's code changed. A constant, written by the
# socket's C method: no Python a notebook can reach runs between the verdict and the wire.
TAMPERED = {"tampered": True}

# What a notebook may import of the grader inside the sandbox: the self-check (which does nothing there).
ALLOWED = frozenset({"autograder", "autograder.selfcheck"})
# Library objects the reporting code goes through, whose entries must not change: the JSON encoder, the
# socket class, struct. NumPy's entries are recorded by name only (a notebook may patch np.allclose).
LIBRARY_HOLDERS = (json, json.encoder, json.JSONEncoder, socket, socket.socket, struct)
NUMPY_NAMES = ("asarray", "ndarray", "generic", "bool_", "float64", "shares_memory", "frombuffer", "dtype")
# Library code the harness runs around a student's call, which it holds by reference (student_code,
# hangs): the classes' methods must stay what they were, and so must the module-level names that these
# methods and functions look up (warnings._filters_mutated...). numpy.errstate is added by snapshot.
LIBRARY_CLASSES = (warnings.catch_warnings, warnings.WarningMessage)
LIBRARY_FUNCTIONS = (warnings.simplefilter, traceback.extract_tb, traceback.walk_tb)
# Names of the warnings module that catch_warnings saves on entry and puts back on exit itself: a
# notebook may set them (its own warning display), and nothing in the harness calls them.
SAVED_AND_RESTORED = frozenset({"filters", "showwarning", "_showwarnmsg_impl"})


class GraderImports:
    """A meta path finder that refuses the grader's internals to the notebook:
    once ``hide`` took them out of ``sys.modules``, importing one again (by any
    spelling of its name) fails instead of loading a copy to poke at."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith("autograder.") and name not in ALLOWED:
            raise ModuleNotFoundError(f"No module named {name!r} (the grader's internals are not importable "
                                      f"in the sandbox)", name=name)
        return None


def hide() -> list:
    """Take the grader's modules out of ``sys.modules`` and off the package,
    and refuse to import them again. The running code keeps its references;
    the caller keeps the modules (returned): freeing them, and every object
    only they hold, would take milliseconds in each submission's process."""
    hidden = [sys.modules.pop(name) for name in list(sys.modules)
              if name.startswith("autograder.") and name not in ALLOWED]
    package = sys.modules.get("autograder")
    if package is not None:
        for name, value in list(vars(package).items()):
            if isinstance(value, types.ModuleType) and value.__name__ not in ALLOWED:
                delattr(package, name)
    sys.meta_path.insert(0, GraderImports())
    return hidden


def snapshot(modules: tuple, numpy, tampered_frame: bytes) -> tuple:
    """Everything the reporting code relies on, as immutable tuples: call
    before any student code runs. ``modules``: the grader's modules in this
    process; ``numpy``: the numpy module; ``tampered_frame``: the message
    TAMPERED on the wire. Returns ``(holders, functions, cells, intact, its
    code, sendall, tampered_frame)``; where the process reports, it runs

        if not (watched[3].__code__ is watched[4] and watched[3](watched)):
            watched[5](sock, watched[6])

    inline, in a frame that was running before the notebook's first cell."""
    holders = []  # (mapping, ((key, value), ...), whether it may hold nothing else): entries that must stay
    functions = []  # (function, code, digest of its bytecode, defaults, keyword defaults)
    cells = []  # (closure cell, its contents)
    seen: set[int] = set()

    def hold(mapping) -> None:
        holders.append((mapping, tuple(mapping.items()), True))

    def function(value) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        functions.append((value, value.__code__, hash(value.__code__.co_code), value.__defaults__,
                          value.__kwdefaults__))
        for cell in value.__closure__ or ():
            try:
                inner = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            cells.append((cell, inner))
            if isinstance(inner, types.FunctionType):
                function(inner)

    def members(namespace: dict, owner: str) -> None:
        for value in list(namespace.values()):
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            wrapped = getattr(value, "__wrapped__", None) if not isinstance(value, type) else None
            if isinstance(wrapped, types.FunctionType):  # functools.lru_cache and the like call it
                function(wrapped)
            if isinstance(value, property):
                for part in (value.fget, value.fset, value.fdel):
                    if isinstance(part, types.FunctionType):
                        function(part)
            elif isinstance(value, types.FunctionType) and value.__module__ == owner:
                function(value)
            elif isinstance(value, type) and value.__module__ == owner and id(value) not in seen:
                seen.add(id(value))
                hold(value.__dict__)
                members(dict(value.__dict__), owner)

    for module in modules:
        namespace = vars(module)
        hold(namespace)
        private = namespace.get("__builtins__")
        if isinstance(private, dict):
            hold(private)
        members(namespace, module.__name__)
    for holder in LIBRARY_HOLDERS:
        hold(holder.__dict__)
    relied = list(LIBRARY_FUNCTIONS)
    for kind in (*LIBRARY_CLASSES, numpy.errstate):
        hold(kind.__dict__)
        relied += [value for value in vars(kind).values() if isinstance(value, types.FunctionType)]
    for value in relied:
        function(value)
        names = value.__globals__
        pinned = tuple((name, names[name]) for name in value.__code__.co_names
                       if name in names and name not in SAVED_AND_RESTORED)
        holders.append((names, pinned, False))
    holders.append((vars(numpy), tuple((name, getattr(numpy, name)) for name in NUMPY_NAMES), False))
    return tuple(holders), tuple(functions), tuple(cells), intact, intact.__code__, _socket.socket.sendall, \
        bytes(tampered_frame)


def intact(watched: tuple) -> bool:
    """Whether everything ``snapshot`` recorded is still what it was. Uses
    operators and the methods of built-in types only, which no notebook can
    replace, so that changing what it calls cannot change its verdict."""
    holders, functions, cells = watched[0], watched[1], watched[2]
    try:
        for mapping, entries, exact in holders:
            for key, value in entries:
                if key not in mapping or mapping[key] is not value:
                    return False
            if exact and mapping.__len__() != entries.__len__():
                return False  # a name added in front of a builtin changes what the code calls
        for function, code, digest, defaults, keyword_defaults in functions:
            if (function.__code__ is not code or code.co_code.__hash__() != digest
                    or function.__defaults__ is not defaults or function.__kwdefaults__ is not keyword_defaults):
                return False
        for cell, contents in cells:
            if cell.cell_contents is not contents:
                return False
    except Exception:  # a mapping changed while it was read, a cell emptied...
        return False
    return True
