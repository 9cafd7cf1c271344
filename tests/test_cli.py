"""The command line, called the way users call it."""

import csv
import json
import shutil
import sqlite3
import stat
import zipfile

import nbformat
import pytest
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
    assert outcome.exit_code == 1, outcome.output  # a failed check fails the command, for scripts and CI
    assert "FAIL sigmoid" in outcome.output and "not implemented yet" in outcome.output


def test_check_on_a_renamed_notebook_suggests_naming_the_assignment(filled_logistic, write_notebook):
    notebook = filled_logistic()
    notebook.metadata.pop("autograder", None)
    path = write_notebook(notebook, "my copy (2)")
    outcome = CliRunner().invoke(main, ["check", str(path)])
    assert outcome.exit_code != 0 and "-a ASSIGNMENT" in outcome.output and "logistic_regression" in outcome.output
    assert CliRunner().invoke(main, ["check", str(path), "-a", "logistic_regression"]).exit_code == 0


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
    for name, row in rows.items():  # every sample's page, as its result arrived
        assert f"{row['total']} / 50" in (tmp_path / "demo" / "results" / name / "feedback.html").read_text()


def test_a_gradebook_and_the_out_folder_it_is_in_are_made_as_needed(filled_logistic, write_notebook, tmp_path):
    path = write_notebook(filled_logistic(), "alice")
    out = tmp_path / "not" / "yet"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(path), "--out", str(out),
                                        "--gradebook", str(out / "book.sqlite")])
    assert outcome.exit_code == 0, outcome.output
    with sqlite3.connect(out / "book.sqlite") as connection:
        assert connection.execute("SELECT student, total FROM attempts").fetchall() == [("alice", 50.0)]
    assert [r["total"] for r in csv.DictReader((out / "scores.csv").open())] == ["50"]


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


def course_copy(root, tmp_path, drop: tuple[str, ...] = (), config: str = ""):
    """A course folder with logistic_regression, its solutions less the files in ``drop`` ("*": all)."""
    course = tmp_path / "course"
    shutil.copytree(root / "assignments" / "logistic_regression", course / "assignments" / "logistic_regression")
    if "*" not in drop:
        solution = course / "solutions" / "logistic_regression"
        shutil.copytree(root / "solutions" / "logistic_regression", solution)
        for name in drop:
            (solution / name).unlink()
    if config:
        (course / "grading.toml").write_text(config)
    return course


@pytest.mark.parametrize("drop, words", [(("*",), "are not here"), (("hidden_tests.py",), "hidden_tests.py missing")])
def test_grade_without_the_solutions_stops_unless_public_only(root, tmp_path, monkeypatch, filled_logistic,
                                                              write_notebook, drop, words):
    monkeypatch.setenv("AUTOGRADER_COURSE", str(course_copy(root, tmp_path, drop)))
    path = write_notebook(filled_logistic(), "alice")
    out = tmp_path / "grades"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(path), "--out", str(out)])
    assert outcome.exit_code != 0 and words in outcome.output and "--public-only" in outcome.output
    assert not out.exists()
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(path), "--out", str(out),
                                        "--public-only"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.count("public tests only") == 2  # before and after the tables
    [row] = list(csv.DictReader((out / "scores.csv").open()))
    assert row["tests"] == "public only" and row["total"] == row["possible"] == "14"
    data = json.loads((out / "alice" / "results.json").read_text())
    assert data["extra_data"]["public_only"] is True and "public tests only" in data["output"]
    assert not any(test["output"].count("hidden test") for test in data["tests"])


def test_question_points_and_the_late_policy_come_from_grading_toml(root, tmp_path, monkeypatch, filled_logistic,
                                                                   write_notebook):
    config = ('[assignments.logistic_regression]\ndue = "2026-12-01T23:59Z"\nlate_policy = "25%/day"\n'
              '[assignments.logistic_regression.points]\ncompute_gradient = 12\n')
    monkeypatch.setenv("AUTOGRADER_COURSE", str(course_copy(root, tmp_path, config=config)))
    submissions = tmp_path / "canvas"
    submissions.mkdir()
    nbformat.write(filled_logistic(), submissions / "doejane_LATE_5001_9_lr.ipynb")
    out = tmp_path / "grades"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(submissions), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    [row] = list(csv.DictReader((out / "scores.csv").open()))
    assert (row["compute_gradient"], row["points"], row["possible"]) == ("12", "56", "56")
    assert (row["late_penalty"], row["total"], row["student"], row["name"]) == ("14", "42", "5001", "doejane")
    assert "marked late" in row["late_reason"] and "-14" in outcome.output and "marked late" in outcome.output
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(submissions), "--out", str(out),
                                        "--late-policy", "none"])  # the command line wins
    assert [r["total"] for r in csv.DictReader((out / "scores.csv").open())] == ["56"]
    (tmp_path / "course" / "grading.toml").write_text("[assignments.logistic_regression]\ndue_date = 'x'\n")
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(submissions), "--out", str(out)])
    assert outcome.exit_code != 0 and "unknown setting" in outcome.output


def test_a_zip_is_graded_its_bomb_gets_a_row_and_litter_is_listed(filled_logistic, tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("alice/lr.ipynb", nbformat.writes(filled_logistic()))
        zipped.writestr("bob/lr.ipynb", b"{" + b" " * (30 * 2**20) + b"}")
        zipped.writestr("bob/.DS_Store", b"x")
        zipped.writestr("../../escape.ipynb", b"{}")
    out = tmp_path / "grades"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(archive), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    rows = {row["student"]: row for row in csv.DictReader((out / "scores.csv").open())}
    assert rows["alice"]["total"] == "50" and rows["alice"]["source"] == f"{archive}!alice/lr.ipynb"
    assert rows["bob"]["total"] == "0" and "zip bomb" in rows["bob"]["error"]
    assert "leaves the archive" in rows["escape"]["error"]
    assert [r["reason"] for r in csv.DictReader((out / "skipped.csv").open())] == ["operating system metadata"]
    assert "skipped: 1 file(s)" in outcome.output and not list(tmp_path.glob("escape*"))
    assert stat.S_IMODE((out / "scores.csv").stat().st_mode) == 0o644


def test_nothing_to_grade_and_no_parallelism_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".DS_Store").write_text("x")
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(tmp_path / "empty"), "--out",
                                        str(tmp_path / "out")])
    assert outcome.exit_code != 0 and "nothing to grade" in outcome.output
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(tmp_path / "empty"), "--out",
                                        str(tmp_path / "out"), "-j", "0"])
    assert outcome.exit_code == 2 and "-j" in outcome.output


def test_release_writes_the_bundle(tmp_path):
    outcome = CliRunner().invoke(main, ["release", "logistic_regression", "--out", str(tmp_path / "bundle"),
                                        "--install", "pip install autograder-0.1.0-py3-none-any.whl"])
    assert outcome.exit_code == 0, outcome.output
    names = sorted(p.name for p in (tmp_path / "bundle").iterdir())
    assert {"logistic_regression.ipynb", "public_tests.py", "README.txt"} <= set(names)
    assert "pip install autograder-0.1.0-py3-none-any.whl" in (tmp_path / "bundle" / "README.txt").read_text()
    outcome = CliRunner().invoke(main, ["release", "no_such_thing", "--out", str(tmp_path / "x")])
    assert outcome.exit_code != 0 and "unknown assignment" in outcome.output


def test_export_of_a_gradebook_with_nothing_for_the_assignment_fails(tmp_path):
    book = tmp_path / "book.sqlite"
    sqlite3.connect(book).close()  # an empty file: no attempt at all
    outcome = CliRunner().invoke(main, ["export", str(book), "logistic_regression", "--out", str(tmp_path / "x.csv")])
    assert outcome.exit_code != 0 and "nothing to export" in outcome.output
    assert not (tmp_path / "x.csv").exists()
