"""What each code cell binds and reads, and how each name of a notebook is
bound: the facts ``relevance`` decides from.

A cell *reads* a name when its own scope uses it before surely binding it
(the ``e`` of ``except ... as e: print(e)`` is the cell's own), or when a
function, lambda or comprehension in it reads it as a global.
"""

from __future__ import annotations

import ast
import functools
import symtable
from dataclasses import dataclass, field

from autograder.notebook.syntax import parse, symbol_table

SELF_CHECK = ("autograder", "selfcheck", "Checker")
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp)


@dataclass
class Cell:
    index: int
    tree: ast.Module | None
    binds: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    parents: dict = field(default_factory=dict)
    nodes: list = field(default_factory=list)  # every node of the cell, walked once


@dataclass(frozen=True)
class Binding:
    kind: str  # def, import, constant, checker, other
    node: ast.AST | None = None
    path: tuple[str, ...] = ()  # an import's dotted path: ("numpy",), ("numpy", "exp")


@functools.lru_cache(maxsize=512)
def read_cell(index: int, source: str) -> Cell:
    """What cell ``index`` binds and reads; a Cell without a tree when the
    source does not parse. Cached (a class's notebooks share most cells):
    the Cell returned is shared and must not be changed."""
    try:
        tree = parse(source)
        table = symbol_table(source, f"<cell {index}>")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Cell(index, None)
    cell = Cell(index, tree)
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
            for node in cell_scope(ast.Module(body=[statement], type_ignores=[])):
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


def cell_scope(tree: ast.AST):
    """Nodes evaluated in the cell's own scope (not inside a function, lambda, class or comprehension body)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack += node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]
        elif not isinstance(node, SCOPES):
            stack += ast.iter_child_nodes(node)


def bindings_of(parsed: list[Cell]) -> dict[str, list[Binding]]:
    """Every way each name is bound at a cell's top level, across the notebook."""
    found: dict[str, list[Binding]] = {}
    for cell in parsed:
        if cell.tree is None:
            continue
        for name, binding in _cell_bindings(cell.tree, frozenset(cell.binds)):
            found.setdefault(name, []).append(binding)
    checkers = {name for name, ways in found.items()
                if ways and all(b.kind == "import" and b.path == SELF_CHECK for b in ways)}
    for ways in found.values():
        for k, binding in enumerate(ways):
            if binding.kind == "other" and _is_checker(binding.node, checkers):
                ways[k] = Binding("checker", binding.node)
    return found


@functools.lru_cache(maxsize=512)
def _cell_bindings(tree: ast.Module, binds: frozenset[str]) -> tuple[tuple[str, Binding], ...]:
    """(name, how) of every binding at a cell's top level, in order; cached
    by tree, as read_cell is (a class's notebooks share most cells)."""
    found = []
    seen, assigned = set(), set()  # an assignment's targets are classified with it
    for node in cell_scope(tree):
        if id(node) in assigned:
            continue
        if isinstance(node, ast.Assign):
            assigned |= {id(n) for target in node.targets for n in ast.walk(target)}
        for name, binding in _binding_sites(node):
            found.append((name, binding))
            seen.add(name)
    for name in sorted(binds - seen):  # walrus, match captures...: bound, but not in a way we classify
        found.append((name, Binding("other")))
    return tuple(found)


def _binding_sites(node: ast.AST):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield node.name, Binding("def", node)
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, Binding("import", node, tuple(alias.name.split(".")))
            else:
                top = alias.name.split(".")[0]
                yield top, Binding("import", node, (top,))
    elif isinstance(node, ast.ImportFrom):
        for alias in node.names:
            path = tuple((node.module or "").split(".")) + (alias.name,)
            yield alias.asname or alias.name, Binding("import" if node.level == 0 else "other", node, path)
    elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        kind = "constant" if constant(node.value) else "other"
        for target in node.targets:
            yield target.id, Binding(kind, node)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            pairs = zip(target.elts, node.value.elts) if (isinstance(target, ast.Tuple) and isinstance(
                node.value, ast.Tuple) and len(target.elts) == len(node.value.elts)) else ()
            constants = {t.id for t, v in pairs if isinstance(t, ast.Name) and constant(v)}
            for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)):
                yield name, Binding("constant" if name in constants else "other", node)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        yield node.id, Binding("other", node)


def constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return constant(node.operand)
    return isinstance(node, ast.Tuple) and all(constant(e) for e in node.elts)


def _is_checker(node: ast.AST | None, checkers: set[str]) -> bool:
    """``check = Checker("name")``: the self-check helper, which does nothing under the grader."""
    return (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id in checkers
            and all(isinstance(a, ast.Constant) for a in node.value.args) and not node.value.keywords)
