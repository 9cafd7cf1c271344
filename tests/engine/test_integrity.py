"""The grader's code in the student's process: hidden from the notebook, and
checked before the process reports anything about itself."""

import threading
import traceback
import types
import warnings

import numpy as np
import pytest

from autograder.engine import integrity, protocol, student_code
from autograder.engine.execute import execute_notebook
from autograder.engine.session import Limits
from autograder.notebook.read import CodeCell

LIMITS = Limits(cell_timeout=2, call_timeout=2, total_timeout=60)

PROBE = '''
import numpy as np


def helper(x):
    return x


def probe(value, scale=2):
    return helper(value) * scale


class Store:
    def add(self, value):
        return value


def _made():
    captured = helper

    def inner(x):
        return captured(x)

    return inner


closure = _made()
'''


@pytest.fixture
def module():
    """A stand-in for one of the grader's modules, with a private builtins copy as theirs have."""
    made = types.ModuleType("grader_like")
    made.__dict__["__builtins__"] = dict(vars(__builtins__) if isinstance(__builtins__, types.ModuleType)
                                         else __builtins__)
    exec(compile(PROBE, "grader_like.py", "exec"), made.__dict__)
    return made


def verdict(watched) -> bool:
    return watched[3].__code__ is watched[4] and watched[3](watched)


def watch(module):
    return integrity.snapshot((module,), np, protocol.frame(integrity.TAMPERED))


def test_an_untouched_process_is_intact(module):
    watched = watch(module)
    assert verdict(watched)
    np.allclose = np.allclose  # rebinding the same object changes nothing
    assert verdict(watched)


@pytest.mark.parametrize("change", [
    lambda m: setattr(m.probe, "__code__", (lambda value, scale=2: value).__code__),
    lambda m: setattr(m.helper, "__code__", (lambda x: 0).__code__),
    lambda m: m.__dict__.__setitem__("helper", lambda x: 0),
    lambda m: m.__dict__.__setitem__("isinstance", lambda *a: True),  # a name put in front of a builtin
    lambda m: m.__dict__["__builtins__"].__setitem__("len", lambda x: 0),
    lambda m: setattr(m.probe, "__defaults__", (0,)),
    lambda m: setattr(m.Store, "add", lambda self, value: None),
    lambda m: setattr(m.closure.__closure__[0], "cell_contents", lambda x: 0),
    lambda m: setattr(integrity.intact, "__code__", (lambda watched: True).__code__),
], ids=["code", "callee-code", "global", "shadowed-builtin", "private-builtins", "defaults", "method", "closure",
        "the-check-itself"])
def test_every_way_of_changing_the_code_is_found(module, change):
    watched = watch(module)
    original = integrity.intact.__code__
    try:
        change(module)
        assert not verdict(watched)
    finally:
        integrity.intact.__code__ = original


def test_the_library_calls_of_the_reporting_path_are_watched(module):
    watched = watch(module)
    saved = np.shares_memory
    try:
        np.shares_memory = lambda *a, **k: False
        assert not verdict(watched)
    finally:
        np.shares_memory = saved
    assert verdict(watched)


@pytest.mark.parametrize("holder, name, replacement", [
    (warnings.catch_warnings, "__exit__", lambda self, *exc: None),
    (warnings.catch_warnings, "__enter__", lambda self: []),
    (warnings.WarningMessage, "__init__", lambda self, *a, **k: None),
    (np.errstate, "__exit__", lambda self, *exc: None),
    (warnings, "_filters_mutated", lambda: None),  # what catch_warnings calls on its way out
    (warnings, "simplefilter", lambda *a, **k: None),
    (traceback.walk_tb, "__code__", (lambda tb: iter(())).__code__),
], ids=["catch_warnings.__exit__", "catch_warnings.__enter__", "WarningMessage", "errstate.__exit__",
        "_filters_mutated", "simplefilter", "walk_tb"])
def test_the_library_code_around_a_call_is_watched(module, holder, name, replacement):
    watched = watch(module)
    saved = vars(holder)[name] if name != "__code__" else holder.__code__
    try:
        setattr(holder, name, replacement)
        assert not verdict(watched)
    finally:
        setattr(holder, name, saved)
    assert verdict(watched)


def undoing_call(keep_args=True):
    """An in-place update that a patched tool of the harness could undo after it returned."""
    undo = []

    def update(theta, grad, lr):
        saved = theta.copy()
        undo.append(lambda: theta.__setitem__(Ellipsis, saved))
        theta -= lr * grad
        return theta.copy()

    theta = np.ones(3)
    return update, (theta, np.ones(3), 0.5), undo


@pytest.mark.parametrize("holder, name", [(warnings, "catch_warnings"), (np, "errstate")])
def test_a_rebound_tool_of_the_harness_is_never_used(holder, name):
    update, args, undo = undoing_call()
    real = getattr(holder, name)

    class Undoing(real):
        def __exit__(self, *exc):
            while undo:
                undo.pop()()
            return super().__exit__(*exc)

    setattr(holder, name, Undoing)
    try:
        reply = student_code.perform_call(update, args, True, 2.0)
    finally:
        setattr(holder, name, real)
    np.testing.assert_array_equal(reply["args_after"][0], [0.5, 0.5, 0.5])


def test_a_warning_s_text_is_read_without_running_the_notebook_s_code():
    update, args, undo = undoing_call()

    returned = []

    class Undo(UserWarning):
        def __str__(self):
            while returned and undo:  # the warnings module reads it during the call too
                undo.pop()()
            return "nothing to see"

    def warning_update(theta, grad, lr):
        value = update(theta, grad, lr)
        warnings.warn_explicit(Undo("the text"), Undo, "<cell 1>", 1)
        returned.append(True)
        return value

    reply = student_code.perform_call(warning_update, args, True, 2.0)
    np.testing.assert_array_equal(reply["args_after"][0], [0.5, 0.5, 0.5])
    assert reply["warnings"] == ["Undo: the text"]


def test_a_change_a_thread_makes_after_the_call_returned_is_waited_for():
    def update(theta, grad, lr):
        threading.Timer(0.05, lambda: theta.__isub__(lr * grad)).start()
        return theta - lr * grad

    theta = np.ones(3)
    reply = student_code.perform_call(update, (theta, np.ones(3), 0.5), True, 2.0)
    np.testing.assert_array_equal(reply["args_after"][0], np.ones(3))  # as the call returned
    np.testing.assert_array_equal(theta, [0.5, 0.5, 0.5])  # and changed before the second call could look


def test_the_tampered_verdict_is_a_message_of_the_wire_format():
    import socket

    ours, theirs = socket.socketpair()
    with ours, theirs:
        watched = integrity.snapshot((), np, protocol.frame(integrity.TAMPERED))
        watched[5](theirs, watched[6])
        assert protocol.receive(ours)[0] == integrity.TAMPERED


# --- in the sandbox --------------------------------------------------------------------------------------


def run_cells(engine, *sources):
    return execute_notebook(engine, [CodeCell(i, s) for i, s in enumerate(sources, start=1)], LIMITS)


IN_PLACE = "import numpy as np\n\ndef update(theta, grad, lr):\n    theta -= lr * grad\n    return theta\n"
PURE = "def pure(theta, grad, lr):\n    return theta - lr * grad\n"


def test_the_grader_is_not_importable_from_a_cell_but_the_self_check_is(engine):
    run, reports = run_cells(
        engine,
        "__import__('auto' 'grader.engine.student_code')",
        "import sys\nleft = sorted(k for k in sys.modules if k.startswith('autograder'))\n"
        "import autograder\nreached = sorted(k for k in vars(autograder) if not k.startswith('__'))",
        "from autograder.selfcheck import Checker\nChecker('logistic_regression')('sigmoid')",
        "def seen():\n    return left, reached")
    try:
        assert reports[0].status == "error" and "ModuleNotFoundError" in reports[0].message
        assert [r.status for r in reports[1:]] == ["ok", "ok", "ok"], reports
        left, reached = run.call("seen", ()).value
        assert left == ["autograder", "autograder.selfcheck"] and reached == ["selfcheck"]
    finally:
        run.close()


def test_a_second_call_on_the_same_objects_shows_an_in_place_change(engine):
    run, _ = run_cells(engine, IN_PLACE, PURE)
    try:
        theta = np.ones(3)
        first, second = run.call_twice("update", (theta, np.ones(3), 0.5))
        np.testing.assert_array_equal(first.value, [0.5, 0.5, 0.5])
        np.testing.assert_array_equal(second.value, [0.0, 0.0, 0.0])  # it got the theta the first call left
        np.testing.assert_array_equal(theta, np.ones(3))  # the grader's own copy is untouched
        first, second = run.call_twice("pure", (theta, np.ones(3), 0.5))
        np.testing.assert_array_equal(first.value, second.value)
        assert not first.tampered and not run.tampered
    finally:
        run.close()


@pytest.mark.parametrize("attack", [
    "import sys\nsys._getframe(1).f_globals['_aliases'] = lambda value, args: []\n",
    # The zygote's objects are frozen (gc.freeze), out of gc.get_objects()' sight until unfrozen.
    "import gc, types\ngc.unfreeze()\nfor f in gc.get_objects():\n"
    "    if isinstance(f, types.FunctionType) and f.__name__ == 'perform_call' and 'keep_args' in "
    "f.__code__.co_varnames:\n        f.__globals__['perform_call'] = f\n        f.__defaults__ = (None, None)\n",
], ids=["frames", "gc"])
def test_a_cell_that_changes_the_grader_s_code_is_found_out(engine, attack):
    run, reports = run_cells(engine, PURE, attack)
    try:
        assert reports[1].status == "ok", reports[1].message
        first, second = run.call_twice("pure", (np.ones(3), np.ones(3), 0.5))
        np.testing.assert_array_equal(first.value, [0.5, 0.5, 0.5])  # values still count
        assert first.tampered and second.tampered and run.tampered
    finally:
        run.close()


def test_a_call_that_changes_the_grader_s_code_is_found_out(engine):
    sneaky = ("import sys\n\ndef pure(theta, grad, lr):\n"
              "    sys._getframe(1).f_globals['_aliases'] = lambda value, args: []\n"
              "    return theta - lr * grad\n")
    run, _ = run_cells(engine, sneaky)
    try:
        assert run.call("pure", (np.ones(3), np.ones(3), 0.5)).tampered and run.tampered
    finally:
        run.close()
