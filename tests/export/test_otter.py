"""otter-grader runs our checks: for every assignment, export the master,
`otter assign` it, then `otter run` the generated autograder zip on the
reference-filled student notebook and on three mistake notebooks, and get
the per-question scores `grade_notebook` gives the same files.

Needs the otter extra (`pip install -e '.[test,otter]'`); skipped without it.
An assignment's otter runs go two at a time (each starts a Jupyter kernel)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.course import assignment_names, load_assignment
from autograder.export.otter import export_otter
from autograder.notebook.build import reference_sources, replace_functions
from autograder.scoring.submission import grade_notebook

OTTER = Path(sys.executable).with_name("otter")
pytestmark = [pytest.mark.skipif(not OTTER.exists(), reason="otter-grader is not installed: "
                                                             "pip install -e '.[test,otter]' to run the otter export test"),
              pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
MISTAKES_PER_ASSIGNMENT = 3
# In otter's model the tests run inside the student's kernel: a cell there can replace our test function.
CHEAT = ("import autograder.export.in_kernel as grading\n"
         "grading.check_case = lambda *args, **kwargs: None  # every test passes")


def chosen_mistakes(assignment):
    """The first mistakes of different functions whose notebook does not hang
    a cell: otter runs cells without a time limit (see the README)."""
    chosen, functions = [], set()
    for mistake in assignment.mistakes:
        if "while" in mistake.source or mistake.function in functions:
            continue
        chosen.append(mistake)
        functions.add(mistake.function)
        if len(chosen) == MISTAKES_PER_ASSIGNMENT:
            break
    return chosen


def otter(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(OTTER), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def otter_scores(zip_path: Path, notebook: Path) -> dict[str, float]:
    out = notebook.parent / f"{notebook.stem}-otter"
    out.mkdir()
    done = otter("run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(notebook), cwd=notebook.parent)
    assert (out / "results.json").exists(), done.stdout + done.stderr
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {test["name"]: float(test["score"]) for test in tests if "score" in test}


_GRADED: dict[str, dict] = {}


def graded(name: str, tmp_path_factory) -> dict[str, tuple[dict[str, float], Path]]:
    """For one assignment: {notebook label: (otter's scores, path)}. Each
    assignment is its own piece of work, so test processes share them out;
    a process that needs an assignment twice runs otter on it once."""
    if name not in _GRADED:
        _GRADED[name] = _otter_runs(name, tmp_path_factory.mktemp(f"otter-{name}"))
    return _GRADED[name]


def _otter_runs(name: str, folder: Path) -> dict[str, tuple[dict[str, float], Path]]:
    spec = load_assignment(name, ROOT)
    master = export_otter(spec, ROOT, folder)
    done = otter("assign", "--no-run-tests", master.name, "dist", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    student = nbformat.read(folder / "dist" / "student" / f"{name}.ipynb", as_version=4)
    filled = replace_functions(student, reference_sources(spec))
    notebooks = {"reference": filled}
    for number, mistake in enumerate(chosen_mistakes(spec)):
        notebooks[f"mistake {number}: {mistake.name}"] = replace_functions(filled, {mistake.function:
                                                                                    mistake.source})
    if name == "logistic_regression":
        cheat = nbformat.from_dict(student)
        cheat.cells.insert(1, new_code_cell(CHEAT))
        notebooks["cheat"] = cheat
    [zip_path] = (folder / "dist" / "autograder").glob("*.zip")
    paths = {}
    for number, (label, notebook) in enumerate(notebooks.items()):
        paths[label] = folder / f"submission{number}" / f"{name}.ipynb"
        paths[label].parent.mkdir()
        nbformat.write(notebook, paths[label])
    with ThreadPoolExecutor(max_workers=2) as pool:
        scores = list(pool.map(lambda path: otter_scores(zip_path, path), paths.values()))
    return {label: (score, path) for (label, path), score in zip(paths.items(), scores)}


@pytest.mark.parametrize("name", assignment_names(ROOT))
def test_otter_gives_our_per_question_scores(name, tmp_path_factory, engine):
    spec = load_assignment(name, ROOT)
    questions = [q.name for q in spec.questions]
    runs = {label: run for label, run in graded(name, tmp_path_factory).items() if label != "cheat"}
    assert len(runs) == 1 + MISTAKES_PER_ASSIGNMENT
    for label, (otter_score, path) in runs.items():
        ours = grade_notebook(spec, path, engine)
        expected = {q: earned for q, (earned, _) in ours.question_scores(questions).items()}
        assert otter_score == expected, label
    reference_score, _ = runs["reference"]
    assert reference_score == {q.name: q.points for q in spec.questions}
    for label, (otter_score, _) in runs.items():
        if label != "reference":  # every mistake costs points in otter too
            assert sum(otter_score.values()) < spec.points, label


def test_a_cell_can_cheat_otter_but_not_our_sandbox(tmp_path_factory, engine):
    """The difference the README names: in otter's in-kernel model, student
    code replaces the test function and an untouched notebook gets full
    marks; our sandbox judges values in the grader and gives it zero."""
    spec = load_assignment("logistic_regression", ROOT)
    otter_score, path = graded("logistic_regression", tmp_path_factory)["cheat"]
    assert sum(otter_score.values()) == spec.points
    assert grade_notebook(spec, path, engine).total == 0
