"""Read a submitted notebook into code cells, or say clearly why not."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# What the grader reads of a notebook, at most, before any of it is parsed.
# The course's notebooks are ~30 KB, 40 cells, 10 KB of code and 2,000 JSON
# separators; a notebook with 50 MB of embedded images is still graded.
MAX_NOTEBOOK_BYTES = 100 * 2**20
MAX_JSON_ITEMS = 2_000_000  # , : [ { outside strings: JSON values, so json.loads holds at most ~150 MB of them
MAX_JSON_STRINGS = 1_000_000  # strings, when the items must be counted outside them (printed output is long text)
MAX_CELLS = 2_000  # 50x the course's notebooks; nbformat validates them in ~0.2 s
MAX_CODE_BYTES = 2 * 2**20  # all code cells together: 200x the course's
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


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
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_NOTEBOOK_BYTES + 1)  # no more than allowed, even if the file grew since
    except OSError as error:
        raise NotebookError(f"cannot read the file: {error.strerror}") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"the file is more than the {MAX_NOTEBOOK_BYTES // 2**20} MB allowed")
    _check_items(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"the file is not UTF-8 text (bad byte at position {error.start})") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        hint = " (is this a .py file rather than a notebook?)" if path.suffix != ".ipynb" else ""
        raise NotebookError(f"the file is not valid notebook JSON: {error}{hint}") from None
    except RecursionError:
        raise NotebookError("the file is not valid notebook JSON: it is nested too deeply") from None
    except MemoryError:
        raise NotebookError("the file is too large to read as JSON") from None
    del raw, text
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError("the file is JSON but not a Jupyter notebook (no 'nbformat' field)")
    if isinstance(data.get("nbformat"), int) and data["nbformat"] >= 4:
        _check_cells(data)  # before nbformat, whose own errors would not tell a student what is wrong
    _check_size(data)
    try:
        notebook = nbformat.reads(json.dumps(_without_outputs(data)), as_version=4)
    except Exception as error:
        raise NotebookError(f"the notebook could not be read: {str(error).splitlines()[0][:200]}") from None
    code = []
    for position, cell in enumerate(notebook.get("cells") or [], start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            code.append(CodeCell(position, source if isinstance(source, str) else "".join(source)))
    return Submitted(code, _assignment_name(data))


def _check_items(raw: bytes) -> None:
    """Refuse a file with more JSON values than any notebook needs, before
    json.loads builds them: counting separators is a few passes in C. Those
    inside strings count too at first; only a file over the limit has them
    counted again outside its strings (a long printed output is one string)."""
    items = raw.count(b",") + raw.count(b":") + raw.count(b"[") + raw.count(b"{")
    if items <= MAX_JSON_ITEMS:
        return
    if raw.count(b'"') // 2 <= MAX_JSON_STRINGS:
        outside = _STRING.sub(b'""', raw)
        items = outside.count(b",") + outside.count(b":") + outside.count(b"[") + outside.count(b"{")
        if items <= MAX_JSON_ITEMS:
            return
    raise NotebookError(f"the notebook has too many cells, outputs or other values to read (more than "
                        f"{MAX_JSON_ITEMS:,} JSON values); at most {MAX_CELLS:,} cells are graded")


def _cells_of(data: dict) -> list:
    """Every cell, in order: a v4 notebook's ``cells``, a v3 notebook's worksheets' cells."""
    if isinstance(data.get("cells"), list):
        return data["cells"]
    worksheets = data.get("worksheets")
    if isinstance(worksheets, list):
        return [cell for sheet in worksheets if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
                for cell in sheet["cells"]]
    return []


def _check_size(data: dict) -> None:
    cells = _cells_of(data)
    if len(cells) > MAX_CELLS:
        raise NotebookError(f"the notebook has {len(cells):,} cells, more than the {MAX_CELLS:,} allowed")
    code = 0
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            parts = source if isinstance(source, list) else [source]
            code += sum(len(part) for part in parts if isinstance(part, str))
    if code > MAX_CODE_BYTES:
        raise NotebookError(f"the notebook's code cells hold {code / 2**20:.1f} MB of code, more than the "
                            f"{MAX_CODE_BYTES // 2**20} MB allowed")


def _without_outputs(data: dict) -> dict:
    """The notebook as nbformat needs to see it to give the code cells: outputs
    and attachments (images, the bulk of a large notebook) are left out."""
    def slim(cell):
        if not isinstance(cell, dict):
            return cell
        cell = {key: value for key, value in cell.items() if key != "attachments"}
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
        return cell

    slimmed = dict(data)
    if isinstance(data.get("cells"), list):
        slimmed["cells"] = [slim(cell) for cell in data["cells"]]
    if isinstance(data.get("worksheets"), list):
        slimmed["worksheets"] = [dict(sheet, cells=[slim(cell) for cell in sheet["cells"]])
                                 if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list) else sheet
                                 for sheet in data["worksheets"]]
    return slimmed


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
