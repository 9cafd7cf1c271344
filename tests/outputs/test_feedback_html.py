"""Feedback pages: one self-contained HTML page per submission, from real grading."""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import re

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.image import imread

from autograder.cli import main
from autograder.course import notebook_path
from autograder.engine.calls import ReferenceCaller, run_call
from autograder.notebook.build import filled_notebook, mistaken_notebook, replace_functions
from autograder.outputs.html.feedback import render_feedback, write_feedback_page
from autograder.outputs.html.records import from_result
from autograder.scoring.results import CaseResult, SubmissionResult
from autograder.scoring.submission import grade_notebook
from tests.conftest import FAST_LIMITS, ROOT
from tests.outputs.chromium import bar_width, needs_chromium, screenshot

GRADIENT_MISTAKE = "missing 1/N in the gradient"
HOSTILE_SIGMOID = '''
import numpy as np
def sigmoid(z):
    raise ValueError("<script>alert('owned')</script> & <b onmouseover=x>")
'''


def mistake(assignment, what):
    return next(m for m in assignment.mistakes if m.name == what)


@pytest.fixture(scope="module")
def graded(logistic, engine, tmp_path_factory):
    """name -> SubmissionResult: a correct notebook, one with a wrong gradient, one whose sigmoid raises markup."""
    folder = tmp_path_factory.mktemp("feedback-notebooks")
    student = notebook_path("logistic_regression", ROOT)
    notebooks = {"correct": filled_notebook(logistic, student),
                 "wrong-gradient": mistaken_notebook(logistic, student, mistake(logistic, GRADIENT_MISTAKE)),
                 "hostile": replace_functions(filled_notebook(logistic, student), {"sigmoid": HOSTILE_SIGMOID})}
    results = {}
    for name, notebook in notebooks.items():
        path = folder / f"{name}.ipynb"
        nbformat.write(notebook, path)
        results[name] = grade_notebook(logistic, path, engine, limits=FAST_LIMITS)
    return results


def page_of(result, logistic) -> str:
    return render_feedback(from_result(result, [q.name for q in logistic.questions]))


def test_the_page_shows_scores_per_question_and_case_and_what_went_wrong(graded, logistic):
    result = graded["wrong-gradient"]
    page = page_of(result, logistic)
    earned, possible = result.question_scores([q.name for q in logistic.questions])["compute_gradient"]
    assert earned < possible  # the mistake costs this question, and the page says so
    assert f'id="score">{result.score:g} / {result.possible:g}<' in page
    assert f"{earned:g} / {possible:g} points" in page
    public_failure = next(c for c in result.cases if c.question == "compute_gradient" and not c.passed and not c.hidden)
    assert public_failure.name in page
    assert "got" in public_failure.message and "expected" in public_failure.message
    for line in public_failure.message.splitlines():  # the message, expected vs got, as the check wrote it
        assert html.escape(line) in page
    assert page.count("FAIL") == sum(not c.passed for c in result.cases)
    assert page.count("PASS") == sum(c.passed for c in result.cases)
    correct = page_of(graded["correct"], logistic)
    assert "FAIL" not in correct and f'id="score">{graded["correct"].possible:g} / ' in correct


def test_failed_public_derivative_checks_get_a_picture_hidden_ones_never(graded, logistic):
    result = graded["wrong-gradient"]
    derivative = [c for c in result.cases if c.derivative is not None]
    assert derivative and not any(c.hidden for c in derivative)
    failed = next(c for c in derivative if not c.passed)
    analytic, numerical = (np.asarray(failed.derivative[k]) for k in ("analytic", "numerical"))
    assert analytic.shape == numerical.shape and not np.allclose(analytic, numerical)
    hidden_derivative = [c for c in result.cases if c.hidden and "agrees" in c.name]
    assert hidden_derivative and all(c.derivative is None for c in hidden_derivative)
    page = page_of(result, logistic)
    pictures = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(pictures) == sum(not c.passed for c in derivative) > 0  # where the check passed, all dots are on the line
    image = imread(io.BytesIO(base64.b64decode(pictures[0])), format="png")
    assert image.shape[:2] == (256, 288) and image[..., :3].std() > 0.05


def test_the_page_is_self_contained_and_asks_for_nothing(graded, logistic):
    page = page_of(graded["wrong-gradient"], logistic)
    assert not re.search(r"https?:|ftp:|<link|<script|<iframe|@import|url\(", page, re.IGNORECASE)
    references = re.findall(r"""\b(?:src|href|action|srcset)\s*=\s*["']?([^"' >]*)""", page, re.IGNORECASE)
    assert references and all(ref.startswith(("data:image/png;base64,", "#")) for ref in references)
    assert "default-src 'none'; img-src data:" in page  # and the browser is told to fetch nothing


def case_numbers(assignment, question: str, hidden: bool) -> set[str]:
    """The printed digits (at least five) of every input and expected value of a question's hidden (or public) cases."""
    reference = ReferenceCaller(assignment.reference)
    numbers = set()
    for case in assignment.question(question).cases:
        if case.hidden != hidden:
            continue
        inputs = case.inputs.make()
        call = getattr(case.check, "call", None) or getattr(case.check, "analytic", None)
        for value in [*inputs, run_call(reference, call, inputs)]:
            for number in np.asarray(value, dtype=float).ravel():
                numbers |= {text for fmt in ("{:.6g}", "{:.5g}", "{:.4f}", "{!r}") if
                            len(re.sub(r"\D", "", text := fmt.format(float(number)).lstrip("-0."))) >= 5}
    return numbers


def test_hidden_values_never_reach_the_page(graded, logistic):
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page_of(graded["wrong-gradient"], logistic))
    page = re.search(r'<h2 id="q-\d+">compute_gradient .*?(?=<h2|$)', page, re.DOTALL)[0]  # other cases' figures may
    # coincide with a few of these hundreds of numbers (tanh_gradient's lecture values do)
    hidden = case_numbers(logistic, "compute_gradient", hidden=True)
    assert len(hidden) > 100
    assert not [number for number in hidden if number in page]
    # The same search finds values where they may be shown: a public case's numbers are on the page.
    assert [number for number in case_numbers(logistic, "compute_gradient", hidden=False) if number in page]


def test_student_text_is_escaped_never_markup(graded, logistic, tmp_path):
    result = dataclasses.replace(graded["hostile"], student_name="<img src=x onerror=alert(1)>",
                                 notes=["cell 3 printed <iframe src=javascript:alert(2)>"])
    message = next(c.message for c in result.cases if c.question == "sigmoid" and not c.passed and not c.hidden)
    assert "<script>" in message  # the student's exception text reached the message...
    write_feedback_page(result, logistic, tmp_path / "feedback.html")
    page = (tmp_path / "feedback.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page and "<iframe" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; &amp; &lt;b onmouseover=x&gt;" in page  # ...shown as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;iframe" in page


def test_control_characters_and_hidden_case_text_stay_plain():
    result = SubmissionResult("alice", "logistic_regression", [
        CaseResult("sigmoid", "values", 0.0, 1.0, "bad \x1b[31mred\x1b[0m \u202eevil", False),
        CaseResult("sigmoid", "hidden sizes", 0.0, 1.0, "sigmoid(z) has 2 wrong entries out of 10.\n  at [3]", True)],
        error=None, notes=["sigmoid did not return within 1 s (call time limit)"])
    page = render_feedback(from_result(result, ["sigmoid"]))
    assert "\x1b" not in page and "\u202e" not in page and "bad red evil" in page
    assert "hidden test" in page and "at [3]" in page
    assert re.search(r'class="box limits">.*call time limit', page, re.DOTALL)  # the limit hit is named


def test_grade_writes_a_page_per_submission_and_feedback_rebuilds_them(graded, logistic, tmp_path):
    student = notebook_path("logistic_regression", ROOT)
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(mistaken_notebook(logistic, student, mistake(logistic, GRADIENT_MISTAKE)), folder / "ann.ipynb")
    (folder / "bob.ipynb").write_text("not a notebook", encoding="utf-8")
    out = tmp_path / "out"
    outcome = CliRunner().invoke(main, ["grade", "logistic_regression", str(folder), "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    pages = {path.parent.name: path.read_text(encoding="utf-8") for path in out.glob("*/feedback.html")}
    assert set(pages) == {"ann", "bob"}
    assert "could not be graded" in pages["bob"] and 'id="score">0 / 50<' in pages["bob"]
    assert "data:image/png;base64," in pages["ann"]
    (out / "ann" / "feedback.html").unlink()
    outcome = CliRunner().invoke(main, ["feedback", str(out)])
    assert outcome.exit_code == 0, outcome.output
    rebuilt = (out / "ann" / "feedback.html").read_text(encoding="utf-8")
    strip = lambda page: re.sub(r"<tr><th>file</th>.*?</tr>|\s*<img[^>]*>\s*<div class=\"muted\">Each dot.*?</div>", "",
                                page, flags=re.DOTALL)
    assert re.sub(r"\s+", "", strip(rebuilt)) == re.sub(r"\s+", "", strip(pages["ann"]))  # all but the pictures
    empty = tmp_path / "empty"
    empty.mkdir()
    outcome = CliRunner().invoke(main, ["feedback", str(empty)])
    assert outcome.exit_code != 0 and "nothing to build" in outcome.output


@needs_chromium
def test_chromium_shows_the_score(graded, logistic, tmp_path):
    shots = {}
    for name in ("correct", "wrong-gradient"):
        result = graded[name]
        write_feedback_page(result, logistic, tmp_path / f"{name}.html")
        pixels = screenshot(tmp_path / f"{name}.html", tmp_path / f"{name}.png")
        assert pixels.std() > 20  # not blank
        assert abs(bar_width(pixels) - 600 * result.score / result.possible) <= 2
        shots[name] = pixels
    assert graded["wrong-gradient"].score < graded["correct"].score
    assert bar_width(shots["wrong-gradient"]) < bar_width(shots["correct"]) - 20


@pytest.mark.parametrize("analytic", [[1e308, -1e308, 0.0], [np.inf, np.nan, 1.0], [1e300, 1e-300, -5.0]])
def test_a_picture_of_extreme_values_is_drawn_or_left_out_never_raises(analytic):
    """A student chooses the analytic values: whatever they are, the page is written."""
    from autograder.outputs.html.plots import derivative_picture

    picture = derivative_picture({"analytic": analytic, "numerical": [0.1, 0.2, 0.3], "tol": 1e-5})
    assert picture is None or picture.startswith("data:image/png;base64,")
    assert derivative_picture({"analytic": [1e308, -1e308, 0.0], "numerical": [0.1, 0.2, 0.3]}) is not None
