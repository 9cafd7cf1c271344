"""Sample submissions of an assignment, made from the reference: correct,
laid out differently, partly wrong, untouched, hanging, and broken."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder.course import notebook_path
from autograder.notebook.build import filled_notebook, mistaken_notebook, reference_sources, replace_functions
from autograder.spec import Assignment


def write_samples(assignment: Assignment, root: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    student = notebook_path(assignment.name, root)
    samples: dict[str, nbformat.NotebookNode | str] = {
        "correct": filled_notebook(assignment, student),
        "own-layout": _own_layout(assignment),
        "untouched": nbformat.read(student, as_version=4),
        "broken-json": '{"cells": [ this is not json',
    }
    if len(assignment.mistakes) >= 2:
        partly = mistaken_notebook(assignment, student, assignment.mistakes[0])
        samples["partly-wrong"] = replace_functions(partly, {assignment.mistakes[1].function:
                                                             assignment.mistakes[1].source})
    hanging = filled_notebook(assignment, student)
    hanging.cells.insert(2, new_code_cell("while True:  # forgot to stop\n    pass"))
    samples["hangs-in-a-cell"] = hanging
    paths = []
    for name, notebook in samples.items():
        path = folder / f"{name}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook, encoding="utf-8")
        else:
            nbformat.write(notebook, path)
        paths.append(path)
    return paths


def _own_layout(assignment: Assignment) -> nbformat.NotebookNode:
    """All functions in one cell, in reverse order, after some scratch work."""
    sources = reference_sources(assignment)
    cells = [new_code_cell("import numpy as np\nscratch = np.arange(3)"),
             new_code_cell("\n\n".join(sources[name] for name in reversed(list(sources)))),
             new_code_cell("print('all done')")]
    return new_notebook(cells=cells, metadata={"autograder": {"assignment": assignment.name}})
