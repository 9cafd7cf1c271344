"""Helpers shared by the assignments' notebook tests: run a notebook top to
bottom in a Jupyter kernel, and read what its code cells printed and drew.
Each fixture returns a function."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import nbclient
import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _pngs_of(cell):
    return [base64.b64decode(o.data["image/png"]) for o in cell.outputs if "image/png" in o.get("data", {})]



@pytest.fixture(scope="session")
def run_notebook():
    """run_notebook(notebook, folder) -> the notebook, executed in place in a python3 kernel working in folder."""

    def run(notebook, folder: Path):
        client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                         resources={"metadata": {"path": str(folder)}})
        # A kernel that inherits MPLBACKEND=Agg draws no inline images. Headless machines set it, and so does
        # importing the grader's child runtime in this process.
        client.execute(env={key: value for key, value in os.environ.items() if key != "MPLBACKEND"})
        return notebook

    return run


@pytest.fixture(scope="session")
def code_cells():
    """code_cells(notebook) -> its code cells, in order."""
    return _code_cells


@pytest.fixture(scope="session")
def cell_with():
    """cell_with(notebook, text) -> the one code cell whose source contains text."""

    def find(notebook, text: str):
        [cell] = [c for c in _code_cells(notebook) if text in c.source]
        return cell

    return find



@pytest.fixture(scope="session")
def text_of():
    """text_of(cell) -> what the cell printed and displayed as text, without terminal colours."""

    def text(cell) -> str:
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream":
                parts.append(output.text)
            elif "text/plain" in output.get("data", {}):
                parts.append(output.data["text/plain"])
        return ANSI.sub("", "\n".join(parts))

    return text


@pytest.fixture(scope="session")
def pngs_of():
    """pngs_of(cell) -> the PNG images the cell drew, as bytes."""
    return _pngs_of


@pytest.fixture(scope="session")
def png_of():
    """png_of(cell) -> the first PNG image the cell drew, as bytes, or None."""
    return lambda cell: next(iter(_pngs_of(cell)), None)
