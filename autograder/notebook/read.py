"""Read a submitted notebook into code cells, or say clearly why not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 100 * 2**20


class NotebookError(Exception):
    """The file is not a notebook we can grade; the message says why, in one line."""


@dataclass(frozen=True)
class CodeCell:
    index: int  # position among all cells, as the student sees it (1-based)
    source: str


@dataclass(frozen=True)
class Submitted:
    cells: list[CodeCell]
    assignment: str | None  # what the notebook's metadata says it is for


def read_code_cells(path: Path) -> list[CodeCell]:
    return read_notebook(path).cells


def read_notebook(path: Path) -> Submitted:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise NotebookError(f"cannot read the file: {error.strerror}") from None
    if size == 0:
        raise NotebookError("the file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"the file is {size / 2**20:.0f} MB, more than the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"the file is not UTF-8 text (bad byte at position {error.start})") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        hint = " (is this a .py file rather than a notebook?)" if path.suffix != ".ipynb" else ""
        raise NotebookError(f"the file is not valid notebook JSON: {error}{hint}") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError("the file is JSON but not a Jupyter notebook (no 'nbformat' field)")
    if isinstance(data.get("nbformat"), int) and data["nbformat"] >= 4:
        _check_cells(data)  # before nbformat, whose own errors would not tell a student what is wrong
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:
        raise NotebookError(f"the notebook could not be read: {str(error).splitlines()[0][:200]}") from None
    code = []
    for position, cell in enumerate(notebook.get("cells") or [], start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code.append(CodeCell(position, source if isinstance(source, str) else "".join(source)))
    return Submitted(code, _assignment_name(data))


def _check_cells(data: dict) -> None:
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("the notebook has no list of cells")
    for position, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"cell {position} is not a cell (it is a {type(cell).__name__})")
        source = cell.get("source", "")
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(p, str) for p in source))):
            raise NotebookError(f"cell {position} has a source that is not text")


def assignment_of(path: Path) -> str | None:
    """The assignment a notebook belongs to: its metadata, else None."""
    try:
        return read_notebook(path).assignment
    except NotebookError:
        return None


def _assignment_name(data: dict) -> str | None:
    try:
        name = data["metadata"]["autograder"]["assignment"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) and name.isidentifier() else None
