"""What the terminal shows of a result: notes wrapped, never cut."""

import io

from rich.console import Console

from autograder.outputs.feedback import question_table
from autograder.scoring.results import CaseResult, SubmissionResult

LONG = ("compute_gradient(X, y_hat, y) has 3 wrong entries out of 3 (tolerance |got - expected| <= 0.001 + "
        "1e-06*|expected|): the gradient of the mean loss divides by the number of samples, yours by "
        "its square, which the lecture's batch of four examples shows as a factor of four everywhere")


def test_question_table_wraps_a_long_problem_at_word_boundaries():
    result = SubmissionResult("partly-wrong", "logistic_regression", [
        CaseResult("compute_gradient", "lecture batch", 0.0, 6.0, LONG + "\nat [0]: got 1.08, expected 0.27", False),
        CaseResult("sigmoid", "values", 2.0, 2.0, "", False)])
    buffer = io.StringIO()
    Console(file=buffer, width=90, color_system=None).print(question_table(result, ["sigmoid", "compute_gradient"]))
    shown = buffer.getvalue()
    assert "\u2026" not in shown and "at [0]" not in shown  # the first line only, in full
    cells = [line.split("\u2502")[3].strip() for line in shown.splitlines() if line.count("\u2502") == 4]
    assert len([cell for cell in cells if cell]) > 2  # wrapped onto several lines...
    assert " ".join(cell for cell in cells if cell) == LONG  # ...between words, none lost or split
