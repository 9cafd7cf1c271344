"""Case builders that cannot drift: Programs run their own text with the
case's input names, seeds come from question and case name, duplicate case
names and unknown names are refused when the tests are loaded."""

import numpy as np
import pytest

from autograder.checks.kinds import DerivativeAgrees, Matches
from autograder.engine.calls import ReferenceCaller, run_call
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
