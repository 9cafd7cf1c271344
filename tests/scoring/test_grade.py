"""Scoring cases: each question on its own function, the rest from the reference."""

import numpy as np

from autograder.checks.kinds import DerivativeAgrees, Matches
from autograder.engine.inprocess import InProcessCaller
from autograder.scoring.grade import grade_cases
from autograder.spec import Assignment, Case, Fixed, Program, Question


def loss(w):
    return float(np.sum(w ** 2) / 2)


def gradient(w):
    return w.copy()


def wrong_loss(w):  # a sum where the reference halves it
    return float(np.sum(w ** 2))


GRADIENT_AT = Program("gradient(loss_input(w))", lambda m, w: m.gradient(m.loss_input(w)))
POINT = Fixed((np.array([1.0, -2.0, 0.5]),))


def assignment(with_reference=True):
    questions = [
        Question("loss", (Case("loss at a point", POINT, Matches("loss"), hidden=True),)),
        Question("gradient", (Case("the gradient agrees with the loss", POINT, DerivativeAgrees("gradient", "loss", wrt=0)),
                              Case("fed by loss_input", POINT, Matches(GRADIENT_AT), hidden=True))),
        Question("loss_input", (Case("identity", POINT, Matches("loss_input"), hidden=True),)),
    ]
    reference = {"loss": loss, "gradient": gradient, "loss_input": lambda w: w.copy()}
    return Assignment("toy", {"loss": ("w",), "gradient": ("w",), "loss_input": ("w",)}, "", questions,
                      reference=reference if with_reference else None)


def scores(results):
    return {q: sum(r.points for r in results if r.question == q) for q in ("loss", "gradient", "loss_input")}


def student(**functions):
    return InProcessCaller({"loss": loss, "gradient": gradient, "loss_input": lambda w: w.copy(), **functions})


def test_a_wrong_loss_costs_only_the_loss_question_and_the_gradient_is_told_to_look_at_it():
    results = grade_cases(assignment(), student(loss=wrong_loss))
    assert scores(results) == {"loss": 0.0, "gradient": 2.0, "loss_input": 1.0}
    agrees = next(r for r in results if r.name == "the gradient agrees with the loss")
    assert agrees.passed and "With your own loss in their place it fails, so look at loss" in agrees.message


def test_the_run_again_on_the_student_s_own_loss_does_not_check_entry_by_entry():
    """Feedback only: the random directions say the student's own composition
    disagrees; naming entries (2 calls per entry) is left to the graded check."""
    calls = []

    def counted_wrong_loss(w):
        calls.append(w)
        return wrong_loss(w)

    many = Fixed((np.linspace(-1.0, 1.0, 20),))  # above FAST_ENTRIES: the random-direction screen applies
    graded = Question("gradient", (Case("the gradient agrees with the loss", many,
                                        DerivativeAgrees("gradient", "loss", wrt=0)),))
    toy = assignment()
    toy.questions = [graded]
    [result] = grade_cases(toy, student(loss=counted_wrong_loss))
    assert result.passed  # scored against the reference's loss
    assert "With your own loss in their place it fails" in result.message
    assert "along random directions" in result.message
    assert len(calls) == 4  # two directions, two points each; entry by entry would be 4 + 2 * 20


def test_only_the_first_cases_of_a_kind_run_again_on_the_student_s_own_functions():
    """Five gradient cases that took the same wrong loss from the reference, and passed: the first two
    say where to look; the rest would say it again."""
    points = [Fixed((np.array([1.0, -2.0, float(k)]),)) for k in range(5)]
    toy = assignment()
    toy.questions = [Question("gradient", tuple(Case(f"agrees at point {k}", point,
                                                     DerivativeAgrees("gradient", "loss", wrt=0))
                                                for k, point in enumerate(points)))]
    results = grade_cases(toy, student(loss=wrong_loss))
    assert all(result.passed for result in results)
    told = ["look at loss" in result.message for result in results]
    assert told == [True, True, False, False, False]


def test_a_wrong_gradient_still_fails_against_the_reference_loss():
    results = grade_cases(assignment(), student(gradient=lambda w: 2 * w))
    assert scores(results) == {"loss": 1.0, "gradient": 0.0, "loss_input": 1.0}


def test_a_wrong_inner_function_costs_only_its_own_question_in_a_composition():
    results = grade_cases(assignment(), student(loss_input=lambda w: w + 1))
    assert scores(results) == {"loss": 1.0, "gradient": 2.0, "loss_input": 0.0}


def test_a_shared_mistake_is_pointed_out_when_the_student_composition_agrees():
    results = grade_cases(assignment(), student(loss=wrong_loss, gradient=lambda w: 2 * w))
    agrees = next(r for r in results if r.name == "the gradient agrees with the loss")
    assert not agrees.passed and "may share one mistake" in agrees.message


def test_without_the_reference_the_public_checks_compare_the_student_functions_with_each_other():
    results = grade_cases(assignment(with_reference=False), student(loss=wrong_loss), include_hidden=False)
    agrees = next(r for r in results if r.name == "the gradient agrees with the loss")
    assert not agrees.passed and "central differences of loss(w)" in agrees.message


def test_central_differences_of_the_reference_alone_are_computed_once_per_case_for_every_submission():
    """A wrong gradient is checked entry by entry against the reference's loss:
    the same values for every submission, so the reference runs for the first
    one only, and the second gets the very same score and message."""
    calls = []

    def counted_loss(w):
        calls.append(w)
        return loss(w)

    graded = assignment()
    graded.reference["loss"] = counted_loss
    wrong = student(gradient=lambda w: 3 * w)
    first = grade_cases(graded, wrong)
    after_first = len(calls)
    second = grade_cases(graded, wrong)
    assert after_first >= 2 * 3, "the first submission evaluates the loss at x ± eps e_i"
    assert len(calls) == after_first, "the second takes them from the assignment's cache"
    assert [(r.name, r.points, r.message) for r in first] == [(r.name, r.points, r.message) for r in second]
    agrees = next(r for r in second if r.name == "the gradient agrees with the loss")
    assert not agrees.passed and "3 of 3 entries" in agrees.message
    assert grade_cases(graded, student())[1].passed, "a right gradient still agrees with the kept values"


def test_central_differences_that_call_the_student_are_never_kept():
    """The loss is the question's own function there: each submission's own values."""
    own_loss = Question("loss", (Case("the reference gradient agrees with your loss", POINT,
                                      DerivativeAgrees("gradient", "loss", wrt=0)),))
    graded = Assignment("toy", {"loss": ("w",), "gradient": ("w",)}, "", [own_loss],
                        reference={"loss": loss, "gradient": gradient})
    assert grade_cases(graded, student(loss=wrong_loss))[0].points == 0
    assert grade_cases(graded, student())[0].passed, "the right loss is judged on its own values, not the last one's"
    assert not any(key[1] == "entry by entry" for key in graded.expected_cache if isinstance(key, tuple))
