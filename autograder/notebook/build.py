"""Make notebooks from the student notebook: filled with the reference, or
with one known mistake. ``validate`` grades these; ``demo`` hands them out.

A function is replaced where the student notebook defines it (the lines of
its top-level ``def``), so the notebook's teaching cells stay as they are.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Mapping

import nbformat

from autograder.mistake_library import Mistake
from autograder.notebook.syntax import parse
from autograder.spec import Assignment, function_source


def reference_sources(assignment: Assignment) -> dict[str, str]:
    if assignment.reference is None:
        raise ValueError(f"{assignment.name}: the reference solution is not available")
    return {name: function_source(fn) for name, fn in assignment.reference.items()}


def replace_functions(notebook: nbformat.NotebookNode, sources: Mapping[str, str]) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` where each named top-level function is
    replaced by the given source. Every name must be defined somewhere."""
    notebook = nbformat.from_dict(notebook)
    remaining = dict(sources)
    for cell in notebook.cells:
        if cell.cell_type != "code" or not remaining:
            continue
        try:
            tree = parse(cell.source)
        except SyntaxError:
            continue
        lines = cell.source.splitlines()
        for node in sorted(tree.body, key=lambda n: -n.lineno):  # bottom-up keeps line numbers valid
            if isinstance(node, ast.FunctionDef) and node.name in remaining:
                start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
                lines[start:node.end_lineno] = remaining.pop(node.name).rstrip("\n").splitlines()
        cell.source = "\n".join(lines)
    if remaining:
        raise ValueError(f"the notebook defines no function named {', '.join(sorted(remaining))}")
    return notebook


def filled_notebook(assignment: Assignment, student_notebook: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(student_notebook, as_version=4)
    return replace_functions(notebook, reference_sources(assignment))


def mistaken_notebook(assignment: Assignment, student_notebook: Path, mistake: Mistake) -> nbformat.NotebookNode:
    filled = filled_notebook(assignment, student_notebook)
    return replace_functions(filled, {mistake.function: mistake.source})



