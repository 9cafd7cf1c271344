"""Every hostile notebook of the corpus, graded by the real sandboxed engine:
the score it must get, the reason the student is shown, and what must hold on
the grader's side afterwards (its output folder untouched, no process left,
nothing unpickled, the engine still grading honest work correctly)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from autograder.scoring.submission import grade_notebook

from .conftest import LIMITS, leftovers, limits_for, write_notebook
from .corpus import (
    BY_NAME,
    CASES,
    ECHO_INPUTS,
    LEAF,
    RETURN_INPUTS,
    check_expectation,
    leaves_traces,
    looks_for_traces,
    probes,
    significant_numbers,
    student_text,
)


def _params():
    return [pytest.param(case, id=case.name) for case in CASES]


def snapshot(folder) -> dict:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def genuine_out_dir(ctx) -> dict:
    """The grader's output folder as an earlier batch left it."""
    (ctx.out_dir / ctx.label).mkdir(parents=True)
    (ctx.out_dir / "scores.csv").write_text("submission,total,possible,error\nearlier,50,50,\n")
    (ctx.out_dir / ctx.label / "results.json").write_text(json.dumps({"score": 50, "max_score": 50}) + "\n")
    return snapshot(ctx.out_dir)


@pytest.mark.parametrize("case", _params())
def test_hostile_submission(case, context, assignment, hostile_engine, hostile_uid, no_unpickling,
                            filled_reference):
    before = genuine_out_dir(context)
    path = write_notebook(case.build(context), context.submission_dir, context.label)
    result = grade_notebook(assignment, path, hostile_engine, limits=limits_for(case.limits))

    check_expectation(case, result, assignment)
    if case.verify is not None:
        case.verify(result, context, probes(result))
    assert snapshot(context.out_dir) == before, "the grader's output folder changed"
    assert context.canary_value not in student_text(result)
    left = leftovers(hostile_uid, context.marker)
    assert not left, f"processes outlived the submission: {left}"
    if case.then_honest:
        honest = grade_notebook(assignment, filled_reference(context), hostile_engine, limits=LIMITS)
        assert honest.total == honest.possible == assignment.points, honest.notes


@pytest.fixture
def filled_reference():
    def write(ctx):
        return write_notebook(ctx.filled(), ctx.submission_dir, "honest")

    return write


def test_the_corpus_is_big_and_unique():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)
    assert all(case.why for case in CASES)


def test_the_reference_notebook_earns_full_marks_under_the_small_limits(context, assignment, hostile_engine):
    path = write_notebook(context.filled(), context.submission_dir, "reference")
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    assert result.total == result.possible == assignment.points, result.notes


@pytest.mark.parametrize("name", ["kill-every-other-pid", "zygote-pidfd-instead-of-worker"])
def test_a_submission_cannot_kill_the_engine_zygote(name, context, assignment, hostile_engine):
    warm = write_notebook(context.filled(), context.submission_dir, "warm")
    grade_notebook(assignment, warm, hostile_engine, limits=LIMITS)
    zygote = hostile_engine._process.pid if hostile_engine._process else None
    path = write_notebook(BY_NAME[name].build(context), context.submission_dir, context.label)
    grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    assert zygote is not None and hostile_engine._process is not None and hostile_engine._process.pid == zygote
    assert hostile_engine._process.poll() is None


# --- what one submission leaves behind, the next must not see ------------------------------------------


def _first_then_second(context, assignment, hostile_engine, hostile_uid) -> dict:
    first = write_notebook(leaves_traces(context), context.submission_dir, "first")
    second = write_notebook(looks_for_traces(context), context.submission_dir, "second")
    left = probes(grade_notebook(assignment, first, hostile_engine, limits=LIMITS))["left"]["left"]
    assert "." in left and "sysv-shm" in left, f"the first submission could not leave its traces: {left}"
    result = grade_notebook(assignment, second, hostile_engine, limits=LIMITS)
    assert result.total == assignment.points
    assert not leftovers(hostile_uid)
    return probes(result)["seen"]


def test_files_left_by_one_submission_are_gone_for_the_next(context, assignment, hostile_engine, hostile_uid):
    assert _first_then_second(context, assignment, hostile_engine, hostile_uid)["files"] == []


def test_shared_memory_left_by_one_submission_is_gone_for_the_next(context, assignment, hostile_engine,
                                                                    hostile_uid):
    assert _first_then_second(context, assignment, hostile_engine, hostile_uid)["shared_memory"] is False


# --- messages: public tests show expected and got, hidden tests reveal nothing ---------------------------


def _constant_sigmoid(ctx):
    from autograder.notebook.build import replace_functions

    return replace_functions(ctx.filled(), {"sigmoid": "def sigmoid(z):\n    return np.full(np.shape(z), 0.25)\n"})


def test_public_failures_show_expected_and_got(context, assignment, hostile_engine):
    path = write_notebook(_constant_sigmoid(context), context.submission_dir, "constant")
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    lecture = next(c for c in result.cases if c.question == "sigmoid" and not c.hidden and "0.8808" in c.name)
    assert not lecture.passed
    assert re.search(r"got 0\.25\b", lecture.message) and re.search(r"expected 0\.880797", lecture.message), \
        lecture.message


def _hidden_numbers(assignment, question: str) -> tuple[set[str], set[str]]:
    """Numbers of the hidden inputs and of the reference's hidden results."""
    inputs, expected = set(), set()
    for case in assignment.question(question).cases:
        if not case.hidden:
            continue
        values = case.inputs.make()
        arrays = [v for v in values if isinstance(v, (np.ndarray, float))]
        inputs |= significant_numbers(arrays)
        try:
            result = assignment.reference[question](*case.inputs.make())
        except TypeError:
            continue
        expected |= significant_numbers(result if isinstance(result, tuple) else [result])
    return inputs, expected


def _leaks(result, question: str, numbers: set[str]) -> list[str]:
    found = []
    for case in result.cases:
        if case.question == question and case.hidden:
            found += [f"{case.name}: {n}" for n in numbers if re.search(rf"(?<![\d.]){re.escape(n)}", case.message)]
    return found


def test_hidden_failures_never_reveal_inputs_or_expected_values(context, assignment, hostile_engine):
    path = write_notebook(_constant_sigmoid(context), context.submission_dir, "constant")
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    hidden = [c for c in result.cases if c.question == "sigmoid" and c.hidden and not c.passed]
    assert hidden, "the wrong sigmoid must fail hidden tests for this test to mean anything"
    inputs, expected = _hidden_numbers(assignment, "sigmoid")
    assert not _leaks(result, "sigmoid", inputs | expected)
    assert not any(re.search(r"expected\s+-?\d", c.message) for c in hidden)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in (ECHO_INPUTS, RETURN_INPUTS)])
def test_student_code_cannot_make_the_grader_echo_hidden_inputs(case, context, assignment, hostile_engine):
    path = write_notebook(case.build(context), context.submission_dir, "echo")
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    check_expectation(case, result, assignment)
    inputs, expected = _hidden_numbers(assignment, LEAF)
    assert not _leaks(result, LEAF, inputs | expected)
