"""Which code cells grading can leave out: demo, plot and timing cells that
nothing graded depends on.

Grading calls the contract functions after the cells have run. A cell matters
if it can change what those calls return: by binding a name they read (the
*needed* names: the contract, every global name a needed cell reads, to a
fixpoint), or by changing an object or a process-wide state they can reach. A
cell is left out only when its code shows, statement by statement, that it
can do neither; every rule errs towards running the cell:

- it binds no needed name (so no contract function either);
- it has no import, ``global``/``nonlocal``, class, magic or shell escape,
  dynamic code or namespace access (``exec``, ``eval``, ``getattr``,
  ``globals``, dunder and private attributes, frames), no writer of files and
  no setter of library state (random seeds and the global random stream,
  NumPy's error and print state, environment, working directory);
- it assigns no attribute, and an item only in an object the cell itself
  made (a call's result, a literal, a comprehension);
- where it reads a needed name, that name is a plain function (``def``), the
  self-check helper, a constant, or a module of NumPy or ``math`` used only
  through attributes the installed module shows to be functions, classes or
  constants (never its mutable objects or state setters).

Some facts about the whole notebook must hold before any cell is left out,
because a left-out cell may call code defined elsewhere: every ``def`` and
``lambda`` is free of the effects above (no decorators, constant defaults,
items assigned only in its own locals), the notebook defines no class, imports
only modules known to keep no state that grading reads, uses modules only as
``module.attribute``, and every needed name is bound only by ``def``, an
import, a constant or the self-check helper. Otherwise every cell runs.

A left-out cell costs no time and no memory: a notebook whose demo cell hangs
or exhausts the time limit keeps the later cells that matter.
"""

from __future__ import annotations

import ast
import functools
import importlib
import types
from typing import Iterable

import numpy as np

from autograder.notebook.scopes import Binding, Cell, bindings_of, constant, read_cell

# Imports that may appear anywhere in a notebook whose cells are left out: the
# grader's sandbox has them loaded already, and none keeps state that grading reads.
QUIET_IMPORTS = ("numpy", "math", "cmath", "matplotlib", "mpl_toolkits", "time", "itertools", "functools",
                 "operator", "collections", "typing", "autograder.selfcheck")
# Modules whose attributes are checked against the installed module when a
# left-out cell reaches a needed one through them.
INSPECTED = frozenset({"numpy", "math", "cmath"})
DYNAMIC = frozenset({"exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr", "delattr",
                     "breakpoint", "input", "open", "exit", "quit", "help", "get_ipython"})
FRAMES = frozenset({"f_globals", "f_locals", "f_back", "f_builtins", "f_code", "tb_frame", "tb_next", "gi_frame",
                    "cr_frame", "ag_frame", "gi_code"})
STATE = frozenset({"seed", "set_state", "seterr", "seterrcall", "seterrobj", "setbufsize", "set_printoptions",
                   "printoptions", "set_string_function", "filterwarnings", "simplefilter", "resetwarnings",
                   "setrecursionlimit", "settrace", "setprofile", "environ", "putenv", "chdir", "system", "popen",
                   "kill", "modules", "test"})
FILES = frozenset({"save", "savez", "savez_compressed", "savetxt", "load", "loadtxt", "genfromtxt", "fromfile",
                   "fromregex", "memmap", "tofile", "dump", "savefig", "imsave", "write", "writelines",
                   "write_text", "write_bytes", "mkdir", "makedirs", "remove", "unlink", "rename", "replace",
                   "rmdir", "touch"})
UNSAFE_ATTRIBUTES = FRAMES | STATE | FILES
# numpy.random keeps one global stream; only these make a generator of its own.
RNG_CONSTRUCTORS = frozenset({"default_rng", "Generator", "SeedSequence", "PCG64", "PCG64DXSM", "Philox",
                              "SFC64", "MT19937", "BitGenerator"})
CLOSED_SUBMODULES = frozenset({"ctypeslib", "lib", "core", "compat", "f2py", "distutils", "testing"})
FRESH = (ast.Call, ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp,
         ast.BinOp, ast.UnaryOp, ast.Constant, ast.JoinedStr)
IMMUTABLE = (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc, int, float, complex, str, bytes, bool,
             type(None), tuple)


def unneeded_cells(cells: Iterable[tuple[int, str]], contract: Iterable[str]) -> frozenset[int]:
    """The indices of the cells grading can leave out.

    ``cells`` are (index, Python source after IPython's transforms) in notebook
    order; ``contract`` the names of the graded functions. Never raises: a cell
    that does not parse is run, and a notebook the rules cannot vouch for has
    every cell run (an empty result).
    """
    cells = list(cells)
    parsed = [read_cell(index, source) for index, source in cells]
    bindings = bindings_of(parsed)
    if not _quiet_imports(parsed):
        return frozenset()
    needed, kept = set(contract), {index for index, source in cells if _must_run_cell(index, source)}
    while True:
        grown = False
        for cell in parsed:
            if cell.index not in kept and cell.binds & needed:
                kept.add(cell.index)
                grown = True
        for cell in parsed:
            if cell.index in kept and not cell.reads <= needed:
                needed |= cell.reads
                grown = True
        if not grown:
            packages = {b.path[0] for name in needed for b in bindings.get(name, ()) if b.kind == "import"}
            for cell in parsed:
                if cell.index not in kept and not _reads_safely(cell, needed, packages, bindings):
                    kept.add(cell.index)
                    grown = True
        if not grown:
            break
    if not _vouched(parsed, needed, packages, bindings):
        return frozenset()
    return frozenset(cell.index for cell in parsed if cell.index not in kept)


def _quiet_imports(parsed: list[Cell]) -> bool:
    for cell in parsed:
        for node in cell.nodes:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level or any(alias.name == "*" for alias in node.names):
                    return False
                names = [node.module or ""]
            else:
                continue
            if not all(any(n == q or n.startswith(q + ".") for q in QUIET_IMPORTS) for n in names):
                return False
    return True


def _unsafe_name(node: ast.AST) -> bool:
    """Code that reaches past what the rules can see: dynamic code, namespaces, frames, files, library state."""
    if isinstance(node, ast.Name):
        return node.id in DYNAMIC or node.id.startswith("__")
    if isinstance(node, ast.Attribute):
        return node.attr.startswith("_") or node.attr in UNSAFE_ATTRIBUTES
    if isinstance(node, ast.keyword):
        return node.arg == "out"  # NumPy writes into the array it is given
    return isinstance(node, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ClassDef))


@functools.lru_cache(maxsize=512)
def _must_run_cell(index: int, source: str) -> bool:
    """``_must_run`` of a cell, or True if it does not parse; cached, as read_cell
    is: a class's notebooks share most cells with the one they were given."""
    cell = read_cell(index, source)
    return cell.tree is None or _must_run(cell)


def _must_run(cell: Cell) -> bool:
    """A cell whose effects do not depend on the names it binds: imports, globals,
    dynamic code, library state, attribute assignments, items of objects it did not make."""
    fresh = _fresh_names(cell.nodes)
    for node in cell.nodes:
        if _unsafe_name(node):
            return True
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                and _root(node) not in fresh:
            return True
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id not in fresh:
            return True
    return False


def _fresh_names(nodes: list[ast.AST]) -> set[str]:
    """Names every binding of which in this code is a new object (a call's result, a literal)."""
    fresh_sites, fresh = set(), set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for site, value in _pairs(target, node.value):
                    if isinstance(site, ast.Name) and isinstance(value, FRESH):
                        fresh_sites.add(id(site))
                        fresh.add(site.id)
    augmented = {id(node.target) for node in nodes if isinstance(node, ast.AugAssign)}
    other = {node.id for node in nodes if isinstance(node, ast.Name) and isinstance(node.ctx, (
        ast.Store, ast.Del)) and id(node) not in fresh_sites | augmented}
    for node in nodes:
        if isinstance(node, ast.arg):
            other.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ExceptHandler)) and node.name:
            other.add(node.name)
    return fresh - other


def _pairs(target: ast.AST, value: ast.AST):
    """(name, value) of an assignment: ``a, b = f(), g()`` pairs each name with its own
    value; ``a, b = f()`` gives each name the call, whose parts are as new as it is."""
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        for inner_target, inner_value in zip(target.elts, value.elts):
            yield from _pairs(inner_target, inner_value)
    elif isinstance(target, ast.Tuple) and isinstance(value, ast.Call):
        for inner_target in target.elts:
            yield from _pairs(inner_target, value)
    else:
        yield target, value


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Subscript, ast.Attribute, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _reads_safely(cell: Cell, needed: set[str], packages: set[str],
                  bindings: dict[str, list[Binding]]) -> bool:
    """Every read of a needed name (or of a module whose package graded code uses) can change nothing."""
    for node in cell.nodes:
        if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
            continue
        ways = bindings.get(node.id, [])
        imported = [b for b in ways if b.kind == "import"]
        if node.id not in needed and not any(b.path[0] in packages for b in imported):
            continue
        if not _harmless_use(node, ways, cell.parents):
            return False
    return True


def _harmless_use(node: ast.Name, ways: list[Binding], parents: dict) -> bool:
    kinds = {b.kind for b in ways}
    if not ways or kinds <= {"def", "checker", "constant"}:
        return True  # a builtin, a plain function (checked notebook-wide), the self-check, or immutable
    if kinds != {"import"} or len({b.path for b in ways}) != 1:
        return False
    path, use, called = _use_of(node, ways[0].path, parents)
    return path[0] in INSPECTED and _module_use_ok(path, called)


def _use_of(node: ast.Name, path: tuple[str, ...], parents: dict) -> tuple[tuple[str, ...], ast.AST, bool]:
    """The dotted path ``node.a.b`` reaches, the outermost node of it, and whether it is called."""
    use = node
    while isinstance(parents.get(use), ast.Attribute) and parents[use].value is use:
        use = parents[use]
        path += (use.attr,)
    parent = parents.get(use)
    return path, use, isinstance(parent, ast.Call) and parent.func is use


def _module_use_ok(path: tuple[str, ...], called: bool) -> bool:
    """Whether ``path`` names, in the installed module, a function, class or constant
    that keeps no state grading reads; submodules only on the way to one."""
    try:
        value = importlib.import_module(path[0])
    except ImportError:
        return False
    for position, name in enumerate(path[1:], start=1):
        if name.startswith("_") or name in UNSAFE_ATTRIBUTES or name in CLOSED_SUBMODULES:
            return False
        if name == "random" and isinstance(value, types.ModuleType) and \
                (position + 1 >= len(path) or path[position + 1] not in RNG_CONSTRUCTORS):
            return False
        if position > 1 and not isinstance(value, (types.ModuleType, np.ufunc)):
            return False
        value = getattr(value, name, None)
        if value is None:
            return False
    if called:
        return callable(value)
    return isinstance(value, IMMUTABLE)


def _vouched(parsed: list[Cell], needed: set[str], packages: set[str],
             bindings: dict[str, list[Binding]]) -> bool:
    """The facts about the whole notebook that leaving any cell out relies on."""
    for name in needed:
        if any(b.kind not in ("def", "import", "constant", "checker") for b in bindings.get(name, [])):
            return False
    for cell in parsed:
        if cell.tree is None:
            continue
        for node in cell.nodes:
            if isinstance(node, ast.ClassDef):
                return False
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) \
                    and not _plain_function(node, cell, packages, bindings):
                return False
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and _bare_module(node, cell, bindings):
                return False
    return True


def _bare_module(node: ast.Name, cell: Cell, bindings: dict[str, list[Binding]]) -> bool:
    """A module used other than as ``module.attribute``: it may then be changed under another name."""
    if not any(b.kind == "import" and isinstance(b.node, ast.Import) for b in bindings.get(node.id, [])):
        return False
    parent = cell.parents.get(node)
    return not (isinstance(parent, ast.Attribute) and parent.value is node)


def _plain_function(node: ast.AST, cell: Cell, packages: set[str], bindings: dict[str, list[Binding]]) -> bool:
    """A function whose calls change nothing outside its own locals and arguments."""
    plain, outer = _function_facts(node)
    if not plain:
        return False
    for inner in outer:
        ways = bindings.get(inner.id, [])
        imported = [b for b in ways if b.kind == "import"]
        if any(b.path[0] in packages for b in imported) and not _harmless_use(inner, ways, cell.parents):
            return False
    return True


@functools.lru_cache(maxsize=4096)
def _function_facts(node: ast.AST) -> tuple[bool, tuple[ast.Name, ...]]:
    """What a function's own code shows, whatever the notebook around it:
    whether it is free of the effects above (no decorator, constant defaults,
    nothing unsafe, no attribute stored, items stored only in its locals), and
    the names it reads from outside its locals. Cached by node: read_cell's
    trees are shared by a class's notebooks, and walking every function of
    mlp_backprop's notebook took 4 ms a submission."""
    arguments = node.args
    if getattr(node, "decorator_list", None):
        return False, ()
    if not all(constant(d) for d in arguments.defaults + [d for d in arguments.kw_defaults if d]):
        return False, ()
    body = node.body if isinstance(node.body, list) else [node.body]
    local = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    local |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a}
    for statement in body:
        local |= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    outer = []
    for statement in body:
        for inner in ast.walk(statement):
            if _unsafe_name(inner):
                return False, ()
            if isinstance(inner, ast.Attribute) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                return False, ()
            if isinstance(inner, ast.Subscript) and isinstance(inner.ctx, (ast.Store, ast.Del)) \
                    and _root(inner) not in local:
                return False, ()
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load) and inner.id not in local:
                outer.append(inner)
    return True, tuple(outer)
