"""Master notebooks: each assignment is written once, as the notebook students
get with the solution inside every function they write.

A solution region sits inside a function body, between two marker lines::

    def sigmoid(z):
        \"\"\"Elementwise sigmoid.\"\"\"
        # BEGIN SOLUTION
        return 1 / (1 + np.exp(-z))
        # END SOLUTION

The functions with a solution region are the assignment's contract, in the
order the master defines them: their names and argument names are read from
the code. The student notebook has each region replaced by a stub (the
master's ``metadata.autograder.stub``, by default
``raise NotImplementedError("write <function>")``); the reference is each of
these functions with the marker lines removed.
"""

from __future__ import annotations

import ast
import linecache
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
DEFAULT_STUB = 'raise NotImplementedError("write {function}")'


class MasterError(ValueError):
    """A master notebook whose solution regions cannot be read."""


@dataclass(frozen=True)
class Solution:
    """One function the student writes: its name, argument names in call
    order, the code cell (index) that defines it and its source with the
    solution, marker lines removed."""

    name: str
    args: tuple[str, ...]
    cell: int
    source: str


def master_path(name: str, root: Path) -> Path:
    """Where the master notebook of assignment ``name`` lives in the course at ``root``."""
    return Path(root) / "solutions" / name / f"{name}-master.ipynb"


def read_master(path: Path) -> nbformat.NotebookNode:
    """The master notebook at ``path`` (nbformat 4). Raises MasterError if it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise MasterError(f"cannot read the master notebook {Path(path).name}: {error}") from error


def _regions(source: str, where: str) -> list[tuple[int, int]]:
    """(begin, end) line indices of the solution regions of a cell, markers included."""
    regions, begin = [], None
    for number, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise MasterError(f"{where}, line {number + 1}: {BEGIN} inside another solution region")
            begin = number
        elif marker == END:
            if begin is None:
                raise MasterError(f"{where}, line {number + 1}: {END} without {BEGIN}")
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise MasterError(f"{where}, line {begin + 1}: {BEGIN} without {END}")
    return regions


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _cell_solutions(source: str, cell: int, where: str) -> list[Solution]:
    regions = _regions(source, where)
    if not regions:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise MasterError(f"{where}: the solution does not compile: {error}") from error
    lines = source.splitlines()
    starts = [node.lineno - 1 for node in tree.body]
    found, placed = [], set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        following = min([s for s in starts if s > node.lineno - 1], default=len(lines))
        # a region belongs to the body it starts in; its END marker may follow the last statement
        inside = [(b, e) for b, e in regions if node.lineno - 1 < b < node.end_lineno and e < following
                  and _indent(lines[e]) > node.col_offset]
        if not inside:
            continue
        placed.update(inside)
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        stop = max(node.end_lineno, inside[-1][1] + 1)
        markers = {n for b, e in inside for n in (b, e)}
        kept = [line for n, line in enumerate(lines[start:stop], start) if n not in markers]
        found.append(Solution(node.name, tuple(a.arg for a in node.args.args), cell, "\n".join(kept) + "\n"))
    stray = [r for r in regions if r not in placed]
    if stray:
        raise MasterError(f"{where}, line {stray[0][0] + 1}: a solution region must lie inside the body "
                          "of a top-level function")
    return found


def solutions(master: nbformat.NotebookNode) -> list[Solution]:
    """Every function of the master with a solution region, in notebook order.
    Raises MasterError for unpaired or misplaced markers, a region that does
    not compile, or a function with a solution defined twice."""
    found: list[Solution] = []
    for index, cell in enumerate(master.cells):
        if cell.cell_type == "code":
            found += _cell_solutions(cell.source, index, f"cell {index + 1}")
    names = [s.name for s in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise MasterError(f"solutions defined more than once: {', '.join(twice)}")
    return found


def contract(master: nbformat.NotebookNode) -> dict[str, tuple[str, ...]]:
    """Function name -> argument names, in call order: the functions with a solution region."""
    return {s.name: s.args for s in solutions(master)}


def stub_template(master: nbformat.NotebookNode) -> str:
    """The statement that replaces a solution region; ``{function}`` is the function's name."""
    return master.metadata.get("autograder", {}).get("stub", DEFAULT_STUB)


def stubbed_source(source: str, template: str, where: str = "cell") -> str:
    """``source`` with every solution region replaced by the stub, indented as
    its BEGIN marker. The stub names the function the region belongs to."""
    regions = _regions(source, where)
    if not regions:
        return source
    _cell_solutions(source, 0, where)  # every region inside a function, or MasterError
    lines = source.splitlines()
    owner = {begin: node.name for begin, _ in regions for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef) and node.lineno - 1 < begin < node.end_lineno}
    for begin, end in reversed(regions):
        indent = lines[begin][:_indent(lines[begin])]
        stub = template.format(function=owner[begin]).splitlines()
        lines[begin:end + 1] = [indent + line for line in stub]
    return "\n".join(lines)


def define_reference(path: Path, namespace: dict) -> dict[str, tuple[str, ...]]:
    """Define the master's solutions in ``namespace`` (a reference module's
    globals), with the imports they use, and return the contract.

    Each function is compiled under a name of its own that is registered with
    ``linecache``, so ``inspect.getsource`` finds its text as for a function
    of a file."""
    master = read_master(path)
    found = solutions(master)
    used = {node.id for s in found for node in ast.walk(ast.parse(s.source)) if isinstance(node, ast.Name)}
    for cell in master.cells:
        if cell.cell_type == "code":
            _run_imports(cell.source, used, namespace)
    for solution in found:
        filename = f"<{path} {solution.name}>"
        linecache.cache[filename] = (len(solution.source), None, solution.source.splitlines(True), filename)
        exec(compile(solution.source, filename, "exec"), namespace)
    return {s.name: s.args for s in found}


def _run_imports(source: str, used: set[str], namespace: dict) -> None:
    """Run the top-level imports of a cell that bind a name the solutions use."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            node.names = [a for a in node.names if (a.asname or a.name.split(".")[0]) in used]
            if node.names:
                exec(compile(ast.Module([node], []), "<master imports>", "exec"), namespace)
