"""The command line, called the way users call it."""

import csv
import json

import nbformat
from click.testing import CliRunner

from autograder.cli import main


def test_check_shows_the_lecture_gradient_on_a_filled_notebook(filled_logistic, write_notebook):
    path = write_notebook(filled_logistic(), "mine")
    outcome = CliRunner().invoke(main, ["check", str(path), "-a", "logistic_regression", "-q", "compute_gradient"])
    assert outcome.exit_code == 0, outcome.output
    assert "PASS compute_gradient: lecture batch gradient = [0.2702, 0.2431, -0.019]" in outcome.output
    assert "hidden" not in outcome.output


def test_check_tells_a_student_what_to_fix(root):
    notebook = root / "assignments" / "logistic_regression" / "logistic_regression.ipynb"
    outcome = CliRunner().invoke(main, ["check", str(notebook), "-q", "sigmoid"])
    assert outcome.exit_code == 0, outcome.output
    assert "FAIL sigmoid" in outcome.output and "not implemented yet" in outcome.output


def test_grade_writes_one_row_and_one_results_file_per_submission(filled_logistic, write_notebook, tmp_path):
    good = write_notebook(filled_logistic(), "alice")
    broken = tmp_path / "bob.ipynb"
    broken.write_bytes(b"\xff\xfe not a notebook")
    out = tmp_path / "grades"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(good), str(broken), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    rows = list(csv.DictReader((out / "scores.csv").open()))
    assert [r["submission"] for r in rows] == ["alice", "bob"]
    assert rows[0]["total"] == rows[0]["possible"] == "50"
    assert rows[0]["compute_gradient"] == "6" and rows[1]["compute_gradient"] == "0"
    assert "UTF-8" in rows[1]["error"]
    results = json.loads((out / "alice" / "results.json").read_text())
    assert results["score"] == 50
    assert [t["name"] for t in results["tests"]][:3] == ["sigmoid", "predict", "bce_loss"]
    assert set(results["tests"][0]) >= {"name", "score", "max_score", "output", "visibility"}
    assert json.loads((out / "bob" / "results.json").read_text())["score"] == 0
    assert not list(out.rglob("*.tmp"))


def test_validate_fails_loudly_for_an_unknown_assignment():
    outcome = CliRunner().invoke(main, ["validate", "no_such_assignment"])
    assert outcome.exit_code != 0 and "unknown assignment" in outcome.output


def test_demo_grades_its_samples(tmp_path, monkeypatch, root):
    monkeypatch.chdir(root)
    outcome = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "demo")])
    assert outcome.exit_code == 0, outcome.output
    rows = {r["submission"]: r for r in csv.DictReader((tmp_path / "demo" / "results" / "scores.csv").open())}
    assert rows["correct"]["total"] == rows["own-layout"]["total"] == "50"
    assert rows["untouched"]["total"] == "0" and rows["broken-json"]["total"] == "0"
    assert 0 < float(rows["partly-wrong"]["total"]) < 50
    assert nbformat.read(tmp_path / "demo" / "submissions" / "correct.ipynb", as_version=4).cells


def test_resume_keeps_what_an_earlier_run_graded_for_unchanged_files(filled_logistic, write_notebook, tmp_path):
    first = write_notebook(filled_logistic(), "first")
    second = write_notebook(filled_logistic(), "second")
    out = tmp_path / "grades"
    assert CliRunner().invoke(main, ["grade", "logistic_regression", str(first), str(second),
                                     "--out", str(out)]).exit_code == 0
    second.write_text("{broken")
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(first), str(second),
                                        "--out", str(out), "--resume"])
    assert outcome.exit_code == 0, outcome.output
    rows = {r["submission"]: r for r in csv.DictReader((out / "scores.csv").open())}
    assert rows["first"]["total"] == "50" and rows["first"]["compute_gradient"] == "6"
    assert rows["second"]["total"] == "0" and "JSON" in rows["second"]["error"]
    assert "earlier run" in outcome.output
    kept = json.loads((out / "first" / "results.json").read_text())
    assert kept["extra_data"]["submission_sha256"]


def test_a_file_named_twice_is_graded_once_and_paths_with_markup_are_printed_as_written(tmp_path):
    folder = tmp_path / "in [/] box"  # a "[/" in a path: folders "in [" and "] box"
    folder.mkdir(parents=True)
    broken = folder / "carl.ipynb"
    broken.write_text("{broken")
    out = tmp_path / "grades [/red]"
    (tmp_path / "book [").mkdir()
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(folder), str(broken), "--out", str(out),
                                        "--gradebook", str(tmp_path / "book [/].sqlite")])
    assert outcome.exit_code == 0, outcome.output
    assert [r["submission"] for r in csv.DictReader((out / "scores.csv").open())] == ["carl"]
    assert "grades [/red]/scores.csv" in outcome.output.replace("\n", "")  # rich may wrap the line
    exported = tmp_path / "latest [/].csv"
    outcome = CliRunner().invoke(main, ["export", str(tmp_path / "book [/].sqlite"), "logistic_regression",
                                        "--out", str(exported)])
    assert outcome.exit_code == 0, outcome.output
    assert "Wrote 1 rows to" in outcome.output and "latest [/].csv" in outcome.output.replace("\n", "")


def test_grade_labels_files_by_their_path_under_each_folder_named(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "dana.ipynb").write_text("{broken")
    (tmp_path / "b" / "scores.csv.ipynb").write_text("{broken")
    out = tmp_path / "grades"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(tmp_path / "a"), str(tmp_path / "b"),
                                        "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    labels = [r["submission"] for r in csv.DictReader((out / "scores.csv").open())]
    assert len(labels) == len(set(labels)) == 3
    assert [label.split("~")[0] for label in labels] == ["dana", "dana", "scores.csv"]
    sources = {json.loads((out / label / "results.json").read_text())["extra_data"]["source"] for label in labels}
    assert sources == {str(tmp_path / "a" / "dana.ipynb"), str(tmp_path / "b" / "dana.ipynb"),
                       str(tmp_path / "b" / "scores.csv.ipynb")}
