"""The sandboxed engine: cells, calls, limits and kills."""

import time

import numpy as np

from autograder.engine.execute import execute_notebook
from autograder.engine.session import Limits
from autograder.notebook.read import CodeCell

LIMITS = Limits(cell_timeout=0.5, call_timeout=0.5, total_timeout=30)


def run_cells(engine, *sources, limits=LIMITS):
    cells = [CodeCell(i, s) for i, s in enumerate(sources, start=1)]
    return execute_notebook(engine, cells, limits)


def test_cells_define_functions_that_answer_calls(engine):
    run, reports = run_cells(engine, "import numpy as np", "def double(x):\n    return 2 * x")
    try:
        assert [r.status for r in reports] == ["ok", "ok"]
        result = run.call("double", (np.arange(3.0),))
        np.testing.assert_array_equal(result.value, [0.0, 2.0, 4.0])
    finally:
        run.close()


def test_a_failing_cell_costs_only_itself(engine):
    run, reports = run_cells(engine, "def a():\n    return 1", "1 / 0", "def f(:", "def b():\n    return 2")
    try:
        assert [r.status for r in reports] == ["ok", "error", "syntax", "ok"]
        assert "ZeroDivisionError" in reports[1].message and "cell 2" in reports[1].message
        assert run.call("b", ()).value == 2
    finally:
        run.close()


def test_a_cell_past_its_time_limit_is_interrupted(engine):
    run, reports = run_cells(engine, "while True:\n    pass", "x = 5\ndef f():\n    return x")
    try:
        assert reports[0].status == "timeout" and "cell time limit" in reports[0].message
        assert run.call("f", ()).value == 5
    finally:
        run.close()


def test_a_cell_that_ignores_the_interrupt_is_killed_and_skipped(engine):
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"
    run, reports = run_cells(engine, "def f():\n    return 1", stubborn, "def g():\n    return 2")
    try:
        assert reports[1].status == "killed" and "ignored the interrupt" in reports[1].message
        assert run.call("f", ()).value == 1 and run.call("g", ()).value == 2
    finally:
        run.close()


def test_a_cell_that_exits_the_process_is_skipped(engine):
    run, reports = run_cells(engine, "def f():\n    return 1", "import os\nos._exit(0)", "import sys\nsys.exit(3)")
    try:
        assert reports[1].status == "killed" and reports[2].status == "error"
        assert run.call("f", ()).value == 1
    finally:
        run.close()


def test_a_hanging_call_fails_only_that_call(engine):
    run, _ = run_cells(engine, "def spin():\n    while True:\n        pass", "def one():\n    return 1")
    try:
        assert "call time limit" in run.call("spin", ()).error
        assert run.call("one", ()).value == 1
    finally:
        run.close()


def test_a_call_that_kills_its_worker_fails_only_that_call(engine):
    run, _ = run_cells(engine, "import os\ndef die():\n    os._exit(1)", "def one():\n    return 1")
    try:
        assert "ended its process" in run.call("die", ()).error
        assert run.call("one", ()).value == 1
    finally:
        run.close()


def test_exceptions_of_every_kind_become_messages(engine):
    run, _ = run_cells(engine, "def a():\n    raise SystemExit\n"
                               "def b():\n    raise KeyboardInterrupt\n"
                               "def c():\n    raise NotImplementedError\n"
                               "def d():\n    return object()")
    try:
        assert "SystemExit" in run.call("a", ()).error
        assert "KeyboardInterrupt" in run.call("b", ()).error
        assert "not implemented yet" in run.call("c", ()).error
        assert run.call("d", ()).ok  # an object stays behind as a handle
        assert "not defined" in run.call("e", ()).error
    finally:
        run.close()


def test_the_student_process_runs_without_the_grader_environment(engine, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    run, _ = run_cells(engine, "import os\ndef env():\n    return ' '.join(os.environ)")
    try:
        assert "GRADER_SECRET" not in run.call("env", ()).value
    finally:
        run.close()


def test_a_call_cut_short_by_the_total_time_names_that_limit(engine):
    run, _ = run_cells(engine, "import time\ndef nap():\n    time.sleep(100)",
                       limits=Limits(cell_timeout=0.5, call_timeout=5, total_timeout=1.5))
    try:
        assert "total time limit (1.5 s)" in run.call("nap", ()).error
    finally:
        run.close()


HANGS = Limits(cell_timeout=1.5, call_timeout=1.5, total_timeout=60)
HANGING = "def stuck(x):\n    while True:\n        pass"
CALLS_IT = "def caller(x):\n    return stuck(x) + 1"
INNOCENT = "def innocent(x):\n    return x * 3"


def test_a_function_stuck_past_its_call_limit_fails_at_once_afterwards_and_so_do_its_callers(engine):
    run, reports = run_cells(engine, HANGING, CALLS_IT, INNOCENT, limits=HANGS)
    run.contract = frozenset({"stuck", "caller", "innocent"})
    try:
        first = run.call("caller", (1,))
        assert "did not return within 1.5 s (call time limit): it was stuck in stuck" in first.error
        started = time.monotonic()
        again, through, fine = run.call("stuck", (2,)), run.call("caller", (2,)), run.call("innocent", (2,))
        assert time.monotonic() - started < 1.0  # none of them waits for the limit again
        assert again.error.startswith("stuck was not run: it did not return within 1.5 s in an earlier test")
        assert "caller was not run to the end: it calls stuck" in through.error
        assert through.brief == through.error  # the grader's own words: safe for hidden tests
        assert fine.value == 6
    finally:
        run.close()


def test_a_function_stuck_in_a_cell_fails_at_once_in_later_cells_and_calls(engine):
    started = time.monotonic()
    run, reports = run_cells(engine, HANGING, "stuck(0)", "stuck(1)\nlater = 1", "stuck(2)", INNOCENT, limits=HANGS)
    run.contract = frozenset({"stuck", "innocent"})
    try:
        assert [r.status for r in reports] == ["ok", "timeout", "error", "error", "ok"]
        assert "cell 3 called stuck, which already ran past its time limit" in reports[2].message
        assert time.monotonic() - started < 1.5 + 4.0  # one cell limit, not three
        assert "when cell 2 called it" in run.call("stuck", (0,)).error
        assert run.call("innocent", (1,)).value == 3
    finally:
        run.close()


def test_a_function_called_many_times_by_a_slow_cell_is_not_stuck(engine):
    many_calls = "while True:\n    innocent(1)"
    run, reports = run_cells(engine, INNOCENT, many_calls, "after = innocent(2)", limits=HANGS)
    try:
        assert reports[1].status == "timeout" and reports[2].status == "ok"
        assert run.call("innocent", (4,)).value == 12 and not run.stuck
    finally:
        run.close()


def test_an_engine_that_cannot_replace_a_retired_uid_runs_nothing(monkeypatch):
    """Every sandbox uid taken: the retired one is not used again, no submission
    runs under no uid at all, and the engine says why (it claims one again later)."""
    import pytest

    from autograder.engine import session
    from autograder.engine.interface import EngineError

    with session.Engine(slot=9) as engine:
        if engine.uid is None:
            pytest.skip("the grader is not root: submissions keep its uid")
        retired = engine.uid

        def none_left(slot):
            raise RuntimeError("all sandbox uids are in use")

        monkeypatch.setattr(session, "claim_student_uid", none_left)
        with pytest.raises(EngineError, match="in use"):
            engine._retire_uid()
        assert engine.uid is None and retired in engine.retired
        with pytest.raises(EngineError, match="in use"):
            engine.open(LIMITS)
        monkeypatch.undo()
        run = engine.open(LIMITS)
        try:
            assert engine.uid not in (None, retired)
            assert run.exec_cell(1, "x = 1")["status"] == "ok"
        finally:
            run.close()
