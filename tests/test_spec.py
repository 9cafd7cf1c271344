"""Case builders that cannot drift: Programs run their own text with the
case's input names, seeds come from question and case name, duplicate case
names and unknown names are refused when the tests are loaded. Mistakes are
edits of the reference, each of their texts found in it exactly once."""

import dataclasses

import numpy as np
import pytest

from autograder.checks.kinds import DerivativeAgrees, Matches
from autograder.engine.calls import ReferenceCaller, run_call
from autograder.mistake_library import MistakeDrift, MistakeLibrary
from autograder.spec import Case, Fixed, Program, Seeded, merge_questions, stable_seed

REFERENCE = ReferenceCaller({"double": lambda v: 2 * v, "total": lambda v: float(np.sum(v))})


def test_a_program_runs_its_own_text_with_the_inputs_names():
    case = Case("c", Fixed(v=np.array([1.0, 2.0]), k=3), Matches(Program("total(double(v)) * k + len(v)")))
    program = case.check.call
    assert program.names == ("v", "k")
    assert run_call(REFERENCE, program, case.inputs.make()) == 20.0


def test_a_program_in_a_case_without_input_names_is_refused():
    with pytest.raises(ValueError, match="the Program 'double\\(v\\)' needs named inputs"):
        Case("c", Fixed((np.ones(2),)), DerivativeAgrees(Program("double(v)"), Program("total(v)"), wrt=0))
    with pytest.raises(ValueError, match="not a Python expression"):
        Program("the mean of v")


def test_a_program_naming_neither_an_input_nor_a_function_is_refused():
    case = Case("c", Fixed(v=np.ones(2)), Matches(Program("totl(v)")))
    with pytest.raises(ValueError, match="uses totl, neither an input nor a contract function"):
        merge_questions([("total", case)], order=["double", "total"])


def test_seeds_come_from_question_and_case_name():
    assert stable_seed("total", "n=5") == stable_seed("total", "n=5") == 6821004431315698930
    assert stable_seed("total", "n=5") != stable_seed("double", "n=5")
    draw = Seeded(lambda rng: (rng.normal(size=3),))
    [question] = merge_questions([("total", Case("a", draw, Matches("total"))), ("total", Case("b", draw, Matches("total")))],
                                 order=["total"])
    first, second = (case.inputs.make()[0] for case in question.cases)
    assert not np.allclose(first, second)
    assert np.array_equal(first, question.cases[0].inputs.make()[0])
    with pytest.raises(ValueError, match="without a seed"):
        draw.make()


def test_two_cases_of_one_question_with_the_same_name_are_refused():
    case = Case("n=5", Fixed((np.ones(5),)), Matches("total"))
    with pytest.raises(ValueError, match="total: two cases are named 'n=5'"):
        merge_questions([("total", case)], [("total", case)], order=["total"])


def test_a_program_may_use_the_helpers_and_not_a_contract_function_of_the_same_name():
    case = Case("c", Fixed(z=np.array([-800.0, 0.0, 800.0])), Matches(Program("total(logistic(z)) + np.pi")))
    [question] = merge_questions([("total", case)], order=["double", "total"])
    assert run_call(REFERENCE, question.cases[0].check.call, case.inputs.make()) == pytest.approx(1.5 + np.pi)
    clash = Case("c", Fixed(z=np.ones(2)), Matches(Program("logistic(z)")))
    with pytest.raises(ValueError, match="uses logistic, both a helper and a contract function"):
        merge_questions([("logistic", clash)], order=["logistic"])


REFERENCE_SOURCE = ("def gradients(X, y_hat, y):\n"
                    "    dw = X.T @ (y_hat - y) / len(y)\n"
                    "    db = np.mean(y_hat - y)\n"
                    "    return dw, db\n")


def edit(*pairs):
    (text, replacement), *also = pairs
    library = MistakeLibrary()
    library.edit("y - y_hat", "gradients", text, replacement, also=also)
    [mistake] = library.bound({})
    return dataclasses.replace(mistake, reference=REFERENCE_SOURCE)


def test_an_edit_may_change_several_places_each_found_exactly_once():
    mistake = edit(("(y_hat - y) / len(y)", "(y - y_hat) / len(y)"), ("mean(y_hat - y)", "mean(y - y_hat)"))
    assert mistake.drift() is None
    assert mistake.source == REFERENCE_SOURCE.replace("y_hat - y", "y - y_hat")
    # the pairs are made where the reference has their texts, whatever order they are given in
    backwards = edit(("    return dw, db", "    return db, dw"), ("    dw = ", "    dw = 2 * "))
    assert backwards.source == REFERENCE_SOURCE.replace("= X", "= 2 * X").replace("dw, db\n", "db, dw\n")


def test_an_edit_whose_texts_drift_or_overlap_is_refused():
    twice = edit(("dw = ", "dw = 2 * "), ("y_hat - y", "y - y_hat"))
    assert "'y_hat - y' occurs 2 times in the reference gradients" in twice.drift()
    missing = edit(("dw = ", "dw = 2 * "), ("len(X)", "X.shape[0]"))
    assert "'len(X)' occurs 0 times" in missing.drift()
    overlapping = edit(("X.T @ (y_hat", "X.T @ (2 * y_hat"), ("(y_hat - y) / len", "(y - y_hat) / len"))
    assert "overlap in the reference gradients" in overlapping.drift()
    with pytest.raises(MistakeDrift, match="overlap"):
        overlapping.source
