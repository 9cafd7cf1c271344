"""The first call of every case in one round trip: fewer round trips, the
same answers, and nothing served that the call would not have had on its own."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.kinds import Matches
from autograder.engine.execute import execute_notebook
from autograder.engine.session import Limits
from autograder.notebook.read import CodeCell
from autograder.scoring.grade import grade_cases
from autograder.scoring.prefetch import same_values
from autograder.spec import Assignment, Case, Fixed, Program, Question

LIMITS = Limits(cell_timeout=5.0, call_timeout=1.0, total_timeout=60.0)
SETUP = "import numpy as np\nimport os\n"


def square(x):
    return x * x


def cube(x):
    return x ** 3


def course() -> Assignment:
    points = [Fixed((np.array([1.0, 2.0, float(k)]),)) for k in range(4)]
    questions = [Question(name, tuple(Case(f"{name} at point {k}", point, Matches(name))
                                      for k, point in enumerate(points)))
                 for name in ("square", "cube")]
    return Assignment(name="powers", contract={"square": ("x",), "cube": ("x",)}, layout="", questions=questions,
                      reference={"square": square, "cube": cube})


@pytest.fixture
def run_of(engine):
    opened = []

    def run_of(source: str):
        run, _ = execute_notebook(engine, [CodeCell(1, SETUP + source)], LIMITS, frozenset({"square", "cube"}))
        opened.append(run)
        return run

    yield run_of
    for run in opened:
        run.close()


def graded(run, batch: bool, assignment: Assignment | None = None) -> tuple[list[tuple[str, float, str]], int]:
    trips = 0
    original = run._calls

    def counted(*args, **kwargs):
        nonlocal trips
        trips += 1
        return original(*args, **kwargs)

    run._calls = counted
    try:
        results = grade_cases(assignment or course(), run, batch=batch)
    finally:
        del run._calls
    return [(r.name, r.points, r.message) for r in results], trips


def test_all_first_calls_go_in_one_round_trip_with_the_same_results(run_of):
    source = "def square(x):\n    return x * x\ndef cube(x):\n    return x * x * x + (x[2] == 3)\n"
    batched, batched_trips = graded(run_of(source), batch=True)
    plain, plain_trips = graded(run_of(source), batch=False)
    assert batched == plain
    assert plain_trips == 8 and batched_trips == 1
    assert [earned for _, earned, _ in batched] == [1, 1, 1, 1, 1, 1, 1, 0]  # the wrong cube at x[2] == 3 fails


RUNS_OF_THE_PROGRAM = []


def chained() -> Assignment:
    """cube of the student's own square: the second call's argument is the first call's answer."""
    points = [Fixed((np.array([1.0, 2.0, float(k)]),)) for k in range(4)]

    def cube_of_square(m, x):
        RUNS_OF_THE_PROGRAM.append(x)
        return m.cube(m.square(x))

    program = Program("cube(square(x))", cube_of_square, together=("square",))
    cases = tuple(Case(f"cube of square at point {k}", point, Matches(program)) for k, point in enumerate(points))
    return Assignment(name="chained", contract={"square": ("x",), "cube": ("x",)}, layout="",
                      questions=[Question("cube", cases)], reference={"square": square, "cube": cube})


def test_calls_that_need_the_answers_before_them_go_in_later_rounds(run_of):
    source = "def square(x):\n    return x * x\ndef cube(x):\n    return x * x * x + (x[2] == 9)\n"
    outcomes = {}
    for batch in (True, False):
        RUNS_OF_THE_PROGRAM.clear()
        outcomes[batch] = (*graded(run_of(source), batch, chained()), len(RUNS_OF_THE_PROGRAM))
    assert outcomes[True][0] == outcomes[False][0]
    assert outcomes[False][1] == 8 and outcomes[True][1] == 2  # square for every case, then cube for every case
    # One run for the expected value, one for the case (one by one); batched, the dry runs of the three
    # rounds instead of that one: the last, which ends on answers from the batches, is the case's own.
    assert outcomes[False][2] == 4 * 2 and outcomes[True][2] == 4 * 4
    assert [earned for _, earned, _ in outcomes[True][0]] == [1, 1, 1, 0]  # cube is wrong at square's 9


def test_exceptions_are_answers_like_values(run_of):
    source = "def square(x):\n    raise NotImplementedError\ndef cube(x):\n    return x ** 3\n"
    batched, trips = graded(run_of(source), batch=True)
    plain, _ = graded(run_of(source), batch=False)
    assert batched == plain and trips == 1
    assert [earned for _, earned, _ in batched] == [0, 0, 0, 0, 1, 1, 1, 1]


def test_after_a_call_hits_its_time_limit_later_cases_call_for_themselves(run_of):
    source = ("def square(x):\n    if x[2] == 1:\n        while True:\n            pass\n    return x * x\n"
              "def cube(x):\n    return x ** 3\n")
    batched, trips = graded(run_of(source), batch=True)
    plain, _ = graded(run_of(source), batch=False)
    assert batched == plain  # the same words too: "did not return", then "was not run" from the grader
    assert [earned for _, earned, _ in batched] == [1, 0, 0, 0, 1, 1, 1, 1]
    assert trips > 1


def test_a_process_lost_in_the_batch_answers_nothing_and_every_case_calls_again(run_of):
    source = ("def square(x):\n    if x[2] == 2:\n        os._exit(3)\n    return x * x\n"
              "def cube(x):\n    return x ** 3\n")
    run = run_of(source)
    requests = [("square", (np.array([1.0, 2.0, float(k)]),)) for k in range(4)]
    assert run.call_in_order(requests) == []
    batched, _ = graded(run_of(source), batch=True)
    plain, _ = graded(run_of(source), batch=False)
    assert batched == plain
    assert [earned for _, earned, _ in batched] == [1, 1, 0, 1, 1, 1, 1, 1]


def test_a_batch_of_slow_honest_calls_stops_starting_them_and_nothing_is_stuck(run_of):
    """Each call takes a third of the call limit: the batch as a whole would run past one call limit.
    It starts no call after its budget, answers those it started, and the rest are made one by one."""
    source = "import time\ndef square(x):\n    time.sleep(0.3)\n    return x * x\ndef cube(x):\n    return x ** 3\n"
    run = run_of(source)
    requests = [("square", (np.array([1.0, 2.0, float(k)]),)) for k in range(8)]
    answers = run.call_in_order(requests)
    assert 1 <= len(answers) < len(requests)  # the budget is min(BATCH_SECONDS, the 1 s call limit)
    assert all(answer.ok for answer in answers)
    assert not run.stuck and run.broken_batches == 0
    batched, _ = graded(run_of(source), batch=True)
    assert [earned for _, earned, _ in batched] == [1] * 8


def test_calls_that_returned_before_a_hang_in_the_batch_keep_their_answers(run_of):
    """An ordinary failure early in the batch is an answer like any other: the answers are cut after
    the call that timed out, not after the first that failed, so the calls between keep theirs."""
    source = ("def square(x):\n    raise NotImplementedError\n"
              "def cube(x):\n    if x[2] == 2:\n        while True:\n            pass\n    return x ** 3\n")
    run = run_of(source)
    requests = [("square", (np.array([1.0, 2.0, 0.0]),))] + \
        [("cube", (np.array([1.0, 2.0, float(k)]),)) for k in range(4)]
    answers = run.call_in_order(requests)
    assert [answer.ok for answer in answers] == [False, True, True, False]  # cut after the hang only
    assert answers[3].timed_out and not answers[0].timed_out
    batched, _ = graded(run_of(source), batch=True)
    plain, _ = graded(run_of(source), batch=False)
    assert batched == plain
    assert [earned for _, earned, _ in batched] == [0, 0, 0, 0, 1, 1, 0, 0]


def test_a_call_that_stops_its_own_watch_gets_no_more_time_in_a_batch(run_of):
    """Stopping the interval timer leaves only the grader's own deadline: a batch has one call's."""
    source = ("import signal, time\n_first = []\n"
              "def square(x):\n    if not _first:\n        _first.append(1)\n"
              "        signal.setitimer(signal.ITIMER_REAL, 0)\n        time.sleep(2.5)\n    return x * x\n"
              "def cube(x):\n    return x ** 3\n")
    batched, _ = graded(run_of(source), batch=True)
    plain, _ = graded(run_of(source), batch=False)
    assert [earned for _, earned, _ in batched] == [earned for _, earned, _ in plain]
    assert batched[0][1] == 0  # 2.5 s is past the 1 s call limit and its grace, batched or not


def test_a_case_whose_first_call_is_not_the_planned_one_makes_it_itself():
    from autograder.engine.calls import CallResult
    from autograder.scoring.prefetch import Served

    class Live:
        def call(self, name, args, *, keep_args=False):
            return CallResult(value="live")

    planned = [(("square", (np.array([1.0]),)), CallResult(value="fetched")),
               (("cube", (np.array([1.0]),)), CallResult(value="fetched second"))]
    served = Served(Live(), planned)
    assert served.call("square", (np.array([2.0]),)).value == "live"
    assert served.call("cube", (np.array([1.0]),)).value == "live"  # nothing served after a call not planned
    served = Served(Live(), planned)
    assert served.call("square", (np.array([1.0]),)).value == "fetched"
    assert served.call("cube", (np.array([1.0]),)).value == "fetched second"
    assert served.call("square", (np.array([1.0]),)).value == "live"  # served once only


@pytest.mark.parametrize("a, b, same", [
    ((np.array([1.0, np.nan]),), (np.array([1.0, np.nan]),), True),
    ((np.array([1.0, 2.0]),), (np.array([1.0, 2.0], dtype=np.float32),), False),
    ((np.array([1.0, 2.0]),), (np.array([[1.0, 2.0]]),), False),
    ((np.zeros(2), 3), (np.zeros(2), 3.0), False),
    (([1, 2], {"a": np.ones(1)}), ([1, 2], {"a": np.ones(1)}), True),
    (([1, 2],), ((1, 2),), False),
])
def test_same_values(a, b, same):
    assert same_values(a, b) is same
