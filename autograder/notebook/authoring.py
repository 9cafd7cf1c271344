"""Cells and the notebook frame of an assignment.

md(), code() and check() make cells from text (master notebooks written in
code, as in tests); assignment_notebook() adds the numbered cell ids and the
metadata the grader reads, so writing an unchanged notebook again changes no
byte (``notebook.assign`` writes the student notebook with it).
"""

from __future__ import annotations

from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _cell_text(text: str) -> str:
    # triple-quoted cells may be indented with the script's code and start and end on a line of their own
    return dedent(text).strip("\n")


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell holding `text`, without common indentation or leading and trailing blank lines."""
    return new_markdown_cell(_cell_text(text))


def code(text: str) -> nbformat.NotebookNode:
    """A code cell holding `text`, without common indentation or leading and trailing blank lines."""
    return new_code_cell(_cell_text(text))


def check(question: str) -> nbformat.NotebookNode:
    """The code cell that runs the public self-check of `question`."""
    return code(f'check("{question}")')


def assignment_notebook(name: str, cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """The student notebook of assignment `name`: the cells, ids cell-00, cell-01, ..., and the
    metadata naming the kernel and the assignment."""
    notebook = new_notebook(cells=[nbformat.from_dict(cell) for cell in cells])  # copies: CELLS stay untouched
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number:02d}"
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "autograder": {"assignment": name}}
    return notebook
