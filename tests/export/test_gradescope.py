"""The native Gradescope autograder: the exported zip's run_autograder, run
against a fake /autograder tree, gives the scores `autograder grade` gives,
and every submission, broken or hostile, gets a results.json of ours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.course import load_assignment, notebook_path
from autograder.export.gradescope import export_gradescope
from autograder.notebook.build import filled_notebook, mistaken_notebook, replace_functions
from autograder.scoring.submission import grade_notebook

ASSIGNMENT = "logistic_regression"


@pytest.fixture(scope="module")
def course(root):
    return load_assignment(ASSIGNMENT, root)


@pytest.fixture(scope="module")
def autograder_zip(course, root, tmp_path_factory):
    return export_gradescope(course, root, tmp_path_factory.mktemp("export") / "autograder.zip")


@pytest.fixture
def run_autograder(autograder_zip, tmp_path):
    """run_autograder(notebook or text or None, name) -> (exit status, results.json as a dict, the notebook's path)."""

    runs = iter(range(100))

    def run(content, name: str = "submission.ipynb"):
        root = tmp_path / f"run{next(runs)}" / "autograder"
        for folder in ("source", "submission", "results"):
            (root / folder).mkdir(parents=True)
        with zipfile.ZipFile(autograder_zip) as archive:
            archive.extractall(root / "source")
        path = root / "submission" / name
        if isinstance(content, str):
            path.write_text(content)
        elif content is not None:
            nbformat.write(content, path)
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
        env.pop("AUTOGRADER_COURSE", None)
        done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        results = json.loads((root / "results" / "results.json").read_text())
        return done.returncode, results, path

    return run


def per_question(results: dict) -> dict[str, float]:
    return {test["name"]: test["score"] for test in results["tests"]}


def our_scores(course, path, engine) -> dict[str, float]:
    result = grade_notebook(course, path, engine)
    return {name: earned for name, (earned, _) in result.question_scores([q.name for q in course.questions]).items()}


def test_zip_holds_the_scripts_the_course_and_an_installable_package(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", f"course/assignments/{ASSIGNMENT}/public_tests.py",
            f"course/solutions/{ASSIGNMENT}/hidden_tests.py", f"course/solutions/{ASSIGNMENT}/reference.py",
            "package/pyproject.toml", "package/autograder/export/gradescope_run.py"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path / "source")
        setup = archive.read("setup.sh").decode()
    assert "apt-get install" in setup and "bubblewrap" in setup and 'pip" install -q "$ROOT/source/package"' in setup
    # setup.sh's pip install: the bundled source must build as a package on its own
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path / "wheel"), str(tmp_path / "source" / "package")], check=True, timeout=300)
    [wheel] = (tmp_path / "wheel").glob("autograder-*.whl")
    with zipfile.ZipFile(wheel) as built:
        assert "autograder/export/gradescope_run.py" in built.namelist()


def test_correct_and_mistaken_submissions_score_as_autograder_grade(course, root, run_autograder, engine):
    student = notebook_path(ASSIGNMENT, root)
    mistake = next(m for m in course.mistakes if "while" not in m.source)
    for notebook in (filled_notebook(course, student), mistaken_notebook(course, student, mistake)):
        status, results, path = run_autograder(notebook)
        assert status == 0
        assert results["score"] == course.points or notebook is not filled_notebook
        assert per_question(results) == our_scores(course, path, engine)
        assert results["score"] == sum(per_question(results).values())
        assert results["max_score"] == course.points
        assert all(test["visibility"] == "visible" and "output" in test for test in results["tests"])
        assert results["stdout_visibility"] == "hidden"
    assert per_question(results)[mistake.targets] < course.question(mistake.targets).points
    failed = next(t for t in results["tests"] if t["name"] == mistake.targets)["output"]
    assert "FAILED" in failed


def test_a_file_that_is_not_json_gets_zero_and_the_reason(run_autograder, course):
    status, results, _ = run_autograder('{"cells": [ this is not json')
    assert status == 0
    assert results["score"] == 0 and results["max_score"] == course.points
    assert "could not read the notebook" in results["output"]


def test_no_notebook_says_so_and_exits_non_zero(run_autograder):
    status, results, _ = run_autograder(None)
    assert status == 1
    assert results["score"] == 0 and "no .ipynb file" in results["output"]


def test_a_hostile_submission_cannot_write_or_fake_its_results(course, root, run_autograder, engine):
    """It prints a fake full-marks results.json, tries to overwrite the real
    one, and its sigmoid never returns: the results are the grader's own, and
    equal to `autograder grade`'s on the same file."""
    notebook = filled_notebook(course, notebook_path(ASSIGNMENT, root))
    notebook = replace_functions(notebook, {"sigmoid": "def sigmoid(z):\n    while True:\n        pass\n"})
    fake = json.dumps({"score": 1e9, "tests": [{"name": "sigmoid", "score": 1e9}]})
    notebook.cells.insert(1, new_code_cell(
        "import glob, os\n"
        f"print({fake!r})\n"
        "for path in ['/autograder/results/results.json', *glob.glob('/tmp/**/results.json', recursive=True),\n"
        "             os.environ.get('AUTOGRADER_ROOT', '/autograder') + '/results/results.json']:\n"
        "    try:\n"
        f"        open(path, 'w').write({fake!r})\n"
        "    except OSError:\n"
        "        pass\n"))
    status, results, path = run_autograder(notebook)
    assert status == 0
    assert results["extra_data"]["assignment"] == ASSIGNMENT
    assert per_question(results) == our_scores(course, path, engine)
    assert per_question(results)["sigmoid"] == 0
    assert 0 < results["score"] < course.points
