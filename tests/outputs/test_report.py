"""The class report: one HTML page from an output folder or a gradebook."""

from __future__ import annotations

import html
import re

import nbformat
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.course import notebook_path
from autograder.notebook.build import filled_notebook, mistaken_notebook
from autograder.outputs.html.records import CaseRecord, SubmissionRecord
from autograder.outputs.html.report import ReportError, records_from_source, render_report
from tests.conftest import ROOT
from tests.outputs.chromium import bar_width, needs_chromium, screenshot

MISTAKES = ("missing 1/N in the gradient", "y - y_hat instead of y_hat - y")


@pytest.fixture(scope="module")
def class_output(logistic, tmp_path_factory):
    """A graded class of four: one correct, two with a wrong gradient, one broken file; folder and gradebook."""
    folder = tmp_path_factory.mktemp("class")
    subs = folder / "subs"
    subs.mkdir()
    student = notebook_path("logistic_regression", ROOT)
    nbformat.write(filled_notebook(logistic, student), subs / "carol.ipynb")
    for name, what in zip(("ann", "bob"), MISTAKES):
        nbformat.write(mistaken_notebook(logistic, student, next(m for m in logistic.mistakes if m.name == what)),
                       subs / f"{name}.ipynb")
    (subs / "dave.ipynb").write_text("{ not json", encoding="utf-8")
    out, book = folder / "out", folder / "book.sqlite"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(subs), "--out", str(out),
                                        "--gradebook", str(book)])
    assert outcome.exit_code == 0, outcome.output
    return out, book


def record(label, score, possible=10.0, *, notes=(), seconds=None, counted=True, name=""):
    cases = [CaseRecord("q", "values", score >= possible, "" if score >= possible else "q is wrong at [0]", False)]
    return SubmissionRecord(label, "a", score, possible, {"q": (score, possible)}, cases, notes=list(notes),
                            seconds=seconds, about={"counted": counted, "student_name": name})


def test_the_report_from_an_output_folder_shows_where_the_class_went_wrong(class_output):
    out, _ = class_output
    name, records = records_from_source(out)
    assert name == "logistic_regression" and len(records) == 4
    page = render_report(name, records)
    row = re.search(r"<tr><td>compute_gradient</td>(.*?)</tr>", page, re.DOTALL)[1]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[2] == "25%"  # full marks: carol only
    ungraded = page[page.index("Could not be graded"):page.index("Hit a limit")]
    assert "dave" in ungraded and "could not read the notebook" in ungraded  # listed once, with its reason
    common = re.search(r"<td>([^<]*) <span class=\"muted\">\((\d+) submissions\)</span>", row)
    assert common and "compute_gradient" in common[1] and int(common[2]) >= 2
    assert re.search(r"<tr><td>sigmoid</td><td class=\"num\">\d+</td><td class=\"num\">[\d.]+</td>"
                     r"<td class=\"num\">75%</td>", page.replace("\n      ", ""))
    assert page.count("data:image/png;base64,") == 3  # histogram, per question, per case
    cases = re.findall(r"<td class=\"num\">(\d+) of (\d+) \(", page)
    assert cases and all(int(seen) == 4 for _, seen in cases)
    assert "Grading times were not recorded" not in page  # results.json keeps the execution time


def test_the_report_from_the_gradebook_agrees_with_the_folder(class_output):
    out, book = class_output
    from_folder = {r.submission: r.score for r in records_from_source(out)[1]}
    name, records = records_from_source(book)
    assert name == "logistic_regression"
    assert {r.submission: r.score for r in records} == from_folder
    outcome = CliRunner().invoke(main, ["report", str(book), "--out", str(out.parent / "report.html")])
    assert outcome.exit_code == 0, outcome.output
    assert "compute_gradient" in (out.parent / "report.html").read_text(encoding="utf-8")


def test_limits_slowest_and_uncounted_submissions():
    records = [record("fast", 10, seconds=0.5), record("slow", 4, seconds=30.0, notes=[
        "cell 4 was interrupted after 10 s (cell time limit).", "cell 2 raised ValueError: nope"]),
               record("mid", 7, seconds=3.0), record("old", 0, counted=False)]
    page = render_report("a", [r for r in records if r.about["counted"]])
    limits = page[page.index("Hit a limit"):page.index("Slowest")]
    assert "slow" in limits and "cell time limit" in limits and "raised ValueError" not in limits
    slowest = re.findall(r"<tr><td>(\w+)</td><td class=\"num\">([\d.]+)</td>", page[page.index("Slowest"):])
    assert slowest == [("slow", "30.0"), ("mid", "3.0"), ("fast", "0.5")]
    assert "mean 7.0 / 10" in page and "median 7" in page


def test_uncounted_attempts_are_left_out_and_nothing_to_report_fails(tmp_path):
    with pytest.raises(ReportError, match="nothing to report"):
        records_from_source(tmp_path)
    outcome = CliRunner().invoke(main, ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert outcome.exit_code != 0 and "nothing to report" in outcome.output
    assert not (tmp_path / "r.html").exists()


def test_student_text_in_the_report_is_escaped():
    nasty = record("x", 1, name="<script>alert(1)</script>", notes=["<img src=x onerror=alert(2)> memory limit"])
    nasty.error = "<iframe src=javascript:alert(3)>"
    page = render_report("a", [nasty, record("y", 10)])
    assert "<script" not in page and "<img src=x" not in page and "<iframe" not in page
    assert html.escape("<script>alert(1)</script>") in page and "&lt;iframe" in page


@needs_chromium
def test_chromium_shows_the_class_mean(class_output, tmp_path):
    out, _ = class_output
    name, records = records_from_source(out)
    outcome = CliRunner().invoke(main, ["report", str(out), "--out", str(tmp_path / "report.html")])
    assert outcome.exit_code == 0, outcome.output
    pixels = screenshot(tmp_path / "report.html", tmp_path / "report.png")
    assert pixels.std() > 20
    mean = sum(r.score for r in records) / len(records)
    assert abs(bar_width(pixels) - 600 * mean / records[0].possible) <= 2
    full_marks = [r for r in records if r.score == r.possible]
    assert full_marks
    perfect = render_report(name, full_marks)
    (tmp_path / "perfect.html").write_text(perfect, encoding="utf-8")
    assert bar_width(screenshot(tmp_path / "perfect.html", tmp_path / "perfect.png")) > bar_width(pixels) + 20
