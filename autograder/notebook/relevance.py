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
import importlib
import symtable
import types
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

# Imports that may appear anywhere in a notebook whose cells are left out: the
# grader's sandbox has them loaded already, and none keeps state that grading reads.
QUIET_IMPORTS = ("numpy", "math", "cmath", "matplotlib", "mpl_toolkits", "time", "itertools", "functools",
                 "operator", "collections", "typing", "autograder.selfcheck")
# Modules whose attributes are checked against the installed module when a
# left-out cell reaches a needed one through them.
INSPECTED = frozenset({"numpy", "math", "cmath"})
SELF_CHECK = ("autograder", "selfcheck", "Checker")
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
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp)
IMMUTABLE = (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc, int, float, complex, str, bytes, bool,
             type(None), tuple)


@dataclass
class _Cell:
    index: int
    tree: ast.Module | None
    binds: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    parents: dict = field(default_factory=dict)
    nodes: list = field(default_factory=list)  # every node of the cell, walked once


@dataclass(frozen=True)
class _Binding:
    kind: str  # def, import, constant, checker, other
    node: ast.AST | None = None
    path: tuple[str, ...] = ()  # an import's dotted path: ("numpy",), ("numpy", "exp")


def unneeded_cells(cells: Iterable[tuple[int, str]], contract: Iterable[str]) -> frozenset[int]:
    """The indices of the cells grading can leave out.

    ``cells`` are (index, Python source after IPython's transforms) in notebook
    order; ``contract`` the names of the graded functions. Never raises: a cell
    that does not parse is run, and a notebook the rules cannot vouch for has
    every cell run (an empty result).
    """
    parsed = [_read(index, source) for index, source in cells]
    bindings = _bindings(parsed)
    if not _quiet_imports(parsed):
        return frozenset()
    needed, kept = set(contract), {cell.index for cell in parsed if cell.tree is None or _must_run(cell)}
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


def _read(index: int, source: str) -> _Cell:
    try:
        tree = ast.parse(source)
        table = symtable.symtable(source, f"<cell {index}>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _Cell(index, None)
    cell = _Cell(index, tree)
    cell.binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()
                  or s.is_namespace()}
    cell.reads = _outside_reads(tree.body) | _global_reads(table)
    cell.nodes = list(ast.walk(tree))
    cell.parents = {child: node for node in cell.nodes for child in ast.iter_child_nodes(node)}
    return cell


def _global_reads(table: symtable.SymbolTable) -> set[str]:
    """Names nested scopes (functions, lambdas, comprehensions) read from the notebook's globals."""
    names = set()
    for child in table.get_children():
        names |= {s.get_name() for s in child.get_symbols() if s.is_global() and s.is_referenced()}
        names |= _global_reads(child)
    return names


def _outside_reads(statements: list[ast.stmt], bound: frozenset[str] = frozenset()) -> set[str]:
    """Names the cell's own scope reads before it has surely bound them itself (the
    ``e`` of ``except ... as e: print(e)`` is the cell's own). Bindings made inside
    a compound statement are not trusted after it."""
    reads: set[str] = set()
    bound = set(bound)
    for statement in statements:
        if isinstance(statement, (ast.If, ast.While)):
            reads |= _loads(statement.test, bound)
            reads |= _outside_reads(statement.body, frozenset(bound)) | _outside_reads(statement.orelse, frozenset(bound))
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            reads |= _loads(statement.iter, bound)
            inner = frozenset(bound | _names(statement.target))
            reads |= _outside_reads(statement.body, inner) | _outside_reads(statement.orelse, frozenset(bound))
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            inner = set(bound)
            for item in statement.items:
                reads |= _loads(item.context_expr, bound)
                inner |= _names(item.optional_vars) if item.optional_vars else set()
            reads |= _outside_reads(statement.body, frozenset(inner))
        elif isinstance(statement, ast.Try):
            reads |= _outside_reads(statement.body + statement.orelse, frozenset(bound))
            for handler in statement.handlers:
                reads |= _loads(handler.type, bound) if handler.type else set()
                reads |= _outside_reads(handler.body, frozenset(bound | ({handler.name} if handler.name else set())))
            reads |= _outside_reads(statement.finalbody, frozenset(bound))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for node in _cell_scope(ast.Module(body=[statement], type_ignores=[])):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
                    reads.add(node.id)
        else:
            reads |= _loads(statement, bound)
        bound |= _surely_binds(statement)
    return reads


def _loads(node: ast.AST, bound: set[str]) -> set[str]:
    """Names an expression or simple statement reads in the cell's scope; a
    comprehension's own variables are its own."""
    own = set(bound)
    for inner in ast.walk(node):
        if isinstance(inner, ast.comprehension):
            own |= _names(inner.target)
    reads = set()
    stack = [node]
    while stack:
        inner = stack.pop()
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load) and inner.id not in own:
            reads.add(inner.id)
        if not isinstance(inner, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack += ast.iter_child_nodes(inner)
        elif isinstance(inner, ast.Lambda):
            stack += inner.args.defaults + [d for d in inner.args.kw_defaults if d]
    return reads


def _names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _surely_binds(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.Assign):
        return set().union(*(_names(t) for t in statement.targets if not isinstance(t, (ast.Attribute, ast.Subscript))))
    if isinstance(statement, ast.AnnAssign) and statement.value is not None and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    return set()


def _cell_scope(tree: ast.AST):
    """Nodes evaluated in the cell's own scope (not inside a function, lambda, class or comprehension body)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack += node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]
        elif not isinstance(node, SCOPES):
            stack += ast.iter_child_nodes(node)


def _bindings(parsed: list[_Cell]) -> dict[str, list[_Binding]]:
    """Every way each name is bound at a cell's top level, across the notebook."""
    found: dict[str, list[_Binding]] = {}
    for cell in parsed:
        if cell.tree is None:
            continue
        seen, assigned = set(), set()  # an assignment's targets are classified with it
        for node in _cell_scope(cell.tree):
            if id(node) in assigned:
                continue
            if isinstance(node, ast.Assign):
                assigned |= {id(n) for target in node.targets for n in ast.walk(target)}
            for name, binding in _binding_sites(node):
                found.setdefault(name, []).append(binding)
                seen.add(name)
        for name in cell.binds - seen:  # walrus, match captures...: bound, but not in a way we classify
            found.setdefault(name, []).append(_Binding("other"))
    checkers = {name for name, ways in found.items()
                if ways and all(b.kind == "import" and b.path == SELF_CHECK for b in ways)}
    for ways in found.values():
        for k, binding in enumerate(ways):
            if binding.kind == "other" and _is_checker(binding.node, checkers):
                ways[k] = _Binding("checker", binding.node)
    return found


def _binding_sites(node: ast.AST):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield node.name, _Binding("def", node)
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, _Binding("import", node, tuple(alias.name.split(".")))
            else:
                top = alias.name.split(".")[0]
                yield top, _Binding("import", node, (top,))
    elif isinstance(node, ast.ImportFrom):
        for alias in node.names:
            path = tuple((node.module or "").split(".")) + (alias.name,)
            yield alias.asname or alias.name, _Binding("import" if node.level == 0 else "other", node, path)
    elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        kind = "constant" if _constant(node.value) else "other"
        for target in node.targets:
            yield target.id, _Binding(kind, node)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            pairs = zip(target.elts, node.value.elts) if (isinstance(target, ast.Tuple) and isinstance(
                node.value, ast.Tuple) and len(target.elts) == len(node.value.elts)) else ()
            constants = {t.id for t, v in pairs if isinstance(t, ast.Name) and _constant(v)}
            for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)):
                yield name, _Binding("constant" if name in constants else "other", node)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        yield node.id, _Binding("other", node)


def _constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _constant(node.operand)
    return isinstance(node, ast.Tuple) and all(_constant(e) for e in node.elts)


def _is_checker(node: ast.AST | None, checkers: set[str]) -> bool:
    """``check = Checker("name")``: the self-check helper, which does nothing under the grader."""
    return (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id in checkers
            and all(isinstance(a, ast.Constant) for a in node.value.args) and not node.value.keywords)


def _quiet_imports(parsed: list[_Cell]) -> bool:
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


def _must_run(cell: _Cell) -> bool:
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


def _reads_safely(cell: _Cell, needed: set[str], packages: set[str],
                  bindings: dict[str, list[_Binding]]) -> bool:
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


def _harmless_use(node: ast.Name, ways: list[_Binding], parents: dict) -> bool:
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


def _vouched(parsed: list[_Cell], needed: set[str], packages: set[str],
             bindings: dict[str, list[_Binding]]) -> bool:
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


def _bare_module(node: ast.Name, cell: _Cell, bindings: dict[str, list[_Binding]]) -> bool:
    """A module used other than as ``module.attribute``: it may then be changed under another name."""
    if not any(b.kind == "import" and isinstance(b.node, ast.Import) for b in bindings.get(node.id, [])):
        return False
    parent = cell.parents.get(node)
    return not (isinstance(parent, ast.Attribute) and parent.value is node)


def _plain_function(node: ast.AST, cell: _Cell, packages: set[str], bindings: dict[str, list[_Binding]]) -> bool:
    """A function whose calls change nothing outside its own locals and arguments."""
    arguments = node.args
    if getattr(node, "decorator_list", None):
        return False
    if not all(_constant(d) for d in arguments.defaults + [d for d in arguments.kw_defaults if d]):
        return False
    body = node.body if isinstance(node.body, list) else [node.body]
    local = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    local |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a}
    for statement in body:
        local |= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for statement in body:
        for inner in ast.walk(statement):
            if _unsafe_name(inner):
                return False
            if isinstance(inner, ast.Attribute) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                return False
            if isinstance(inner, ast.Subscript) and isinstance(inner.ctx, (ast.Store, ast.Del)) \
                    and _root(inner) not in local:
                return False
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load) and inner.id not in local:
                ways = bindings.get(inner.id, [])
                imported = [b for b in ways if b.kind == "import"]
                if any(b.path[0] in packages for b in imported) and not _harmless_use(inner, ways, cell.parents):
                    return False
    return True
