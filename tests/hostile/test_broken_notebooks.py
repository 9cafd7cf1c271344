"""Files that are not gradable notebooks, graded in one batch with honest
ones: every file gets its row (zeros and a one-line reason when it cannot be
graded), its results.json, and the batch goes on."""

from __future__ import annotations

import base64
import csv
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.course import notebook_path
from autograder.notebook.build import reference_sources
from autograder.scoring.batch import grade_batch

from .conftest import LIMITS, ROOT
from .corpus import ASSIGNMENT


def _filled_json(assignment) -> dict:
    from autograder.notebook.build import filled_notebook

    return json.loads(nbformat.writes(filled_notebook(assignment, notebook_path(ASSIGNMENT, ROOT))))


def _other_assignment_notebook(assignment) -> bytes:
    """The notebook of another assignment if the course has one, else a
    notebook that says it belongs to another assignment and defines other functions."""
    for path in sorted((ROOT / "assignments").glob("*/*.ipynb")):
        if path.parent.name != ASSIGNMENT:
            return path.read_bytes()
    notebook = new_notebook(cells=[new_code_cell("import numpy as np\n\ndef forward(x):\n    return 2 * x\n")],
                            metadata={"autograder": {"assignment": "another_assignment"}})
    return nbformat.writes(notebook).encode()


def _with_blob(assignment, megabytes: int) -> bytes:
    data = _filled_json(assignment)
    first_code = next(cell for cell in data["cells"] if cell["cell_type"] == "code")
    payload = base64.b64encode(b"\x89PNG" + b"\0" * (megabytes * 2**20 * 3 // 4)).decode()
    first_code["outputs"] = [json.loads(json.dumps(new_output("display_data", data={"image/png": payload})))]
    return json.dumps(data).encode()


def _edited(assignment, edit) -> bytes:
    data = _filled_json(assignment)
    edit(data)
    return json.dumps(data).encode()


def _non_string_sources(data):
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    code[1]["source"] = 42
    code[2]["source"] = [1, 2, 3]


def _v3_header(data):
    data["nbformat"], data["nbformat_minor"] = 3, 0


def _non_utf8(assignment) -> bytes:
    text = json.dumps(_filled_json(assignment), ensure_ascii=False).encode("utf-8")
    return text.replace(b"import numpy as np", b"import numpy as np  # caf\xe9 \xff\xfe", 1)


def _real_v3(assignment) -> bytes:
    from autograder.notebook.build import filled_notebook

    notebook = filled_notebook(assignment, notebook_path(ASSIGNMENT, ROOT))
    return nbformat.writes(nbformat.convert(notebook, 3)).encode()


def _python_file(assignment) -> bytes:
    return ("import numpy as np\n\n\n" + "\n\n".join(reference_sources(assignment).values())).encode()


# label, file name, content, pattern the one-line reason must match
BROKEN = [
    ("invalid-json", "invalid-json.ipynb", lambda a: b'{"cells": [ this is not json', r"JSON"),
    ("empty-file", "empty-file.ipynb", lambda a: b"", r"empty"),
    ("non-utf8-bytes", "non-utf8-bytes.ipynb", _non_utf8, r"UTF-8"),
    ("missing-cells", "missing-cells.ipynb", lambda a: _edited(a, lambda d: d.pop("cells")), r"cell"),
    ("cells-not-a-list", "cells-not-a-list.ipynb", lambda a: _edited(a, lambda d: d.update(cells={"0": {}})),
     r"cell"),
    ("non-string-sources", "non-string-sources.ipynb", lambda a: _edited(a, _non_string_sources),
     r"cell|source|text"),
    ("v3-header-on-v4-body", "v3-header-on-v4-body.ipynb", lambda a: _edited(a, _v3_header), r"notebook|cell|v3|3"),
    ("json-but-not-a-notebook", "json-but-not-a-notebook.ipynb", lambda a: b"[1, 2, 3]", r"notebook"),
    ("python-file", "python-file.py", _python_file, r"\.py|not .*notebook|JSON"),
    ("over-the-size-cap", "over-the-size-cap.ipynb", lambda a: _with_blob(a, 101), r"MB"),
    ("wrong-assignment", "wrong-assignment.ipynb", _other_assignment_notebook, r"assignment"),
]
# Old or heavy but valid notebooks: graded on their code like any other.
GRADABLE = [
    ("nbformat-v3", "nbformat-v3.ipynb", _real_v3),
    ("output-blob-50mb", "output-blob-50mb.ipynb", lambda a: _with_blob(a, 50)),
]


@pytest.fixture(scope="module")
def graded(assignment, tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    submissions = folder / "submissions"
    submissions.mkdir()
    honest = json.dumps(_filled_json(assignment)).encode()
    files = [("honest-first", "honest-first.ipynb", lambda a: honest)] + BROKEN[:6] + GRADABLE + BROKEN[6:] + [
        ("honest-last", "honest-last.ipynb", lambda a: honest)]
    paths = []
    for _, name, make, *_ in files:
        path = submissions / name
        path.write_bytes(make(assignment))
        paths.append(path)
    out = folder / "grades"
    results = grade_batch(assignment, paths, out, jobs=2, limits=LIMITS)
    rows = list(csv.DictReader((out / "scores.csv").open(newline="", encoding="utf-8")))
    return {"labels": [label for label, *_ in files], "results": results, "rows": {r["submission"]: r for r in rows},
            "row_order": [r["submission"] for r in rows], "out": out}


def test_every_file_gets_exactly_one_row_and_one_results_file(graded):
    assert graded["row_order"] == graded["labels"]
    for label in graded["labels"]:
        assert json.loads((graded["out"] / label / "results.json").read_text())["max_score"] == 50
    assert not list(graded["out"].rglob("*.tmp"))


def test_the_batch_goes_on_around_broken_files(graded):
    for label in ("honest-first", "honest-last"):
        assert graded["rows"][label]["total"] == graded["rows"][label]["possible"] == "50"
        assert graded["rows"][label]["error"] == ""


def _broken_params():
    for label, _, _, pattern in BROKEN:
        yield pytest.param(label, pattern, id=label)


@pytest.mark.parametrize("label, pattern", list(_broken_params()))
def test_a_broken_file_scores_zero_with_a_one_line_reason(graded, assignment, label, pattern):
    row = graded["rows"][label]
    questions = [question.name for question in assignment.questions]
    assert row["total"] == "0" and all(row[q] == "0" for q in questions), row
    assert row["possible"] == "50"
    reason = row["error"]
    assert reason.strip() and "\n" not in reason and len(reason) < 300, repr(reason)
    assert re.search(pattern, reason), reason
    results = json.loads((graded["out"] / label / "results.json").read_text())
    assert results["score"] == 0 and reason in results["output"]


@pytest.mark.parametrize("label", [label for label, *_ in GRADABLE])
def test_old_or_heavy_but_valid_notebooks_are_graded_on_their_code(graded, label):
    result = next(r for r in graded["results"] if r.submission == label)
    assert result.error is None and result.total == result.possible == 50, (result.error, result.notes)
    assert result.seconds < 20
