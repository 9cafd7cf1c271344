"""The grader's own work is bounded, whatever a submission sends it, and its
hidden-test messages say nothing the submission chose.

A. Text and numbers a student's process sends (forged replies, exception
   places, class names, values kept from one call to the next) never reach a
   hidden test's message, nor a public one with a hidden input in it.
B. One absolute deadline per submission: a reply that trickles in, or a
   notebook replayed after each cell that kills its process, cannot hold the
   grader's slot past the submission's total time limit; replays are capped.
C. The grader reads and allocates a bounded amount: a reply too large is
   refused unread, a reply nested past any limit fails its call (and never the
   row, nor the engine's uid claim), and a notebook is measured before it is
   parsed.

Each hostile submission must score what an honest one with the same real work
scores: the function it breaks loses its tests, nothing else does.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import textwrap
import time
import tracemalloc

import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from autograder.engine.sandbox import UID_LOCKS
from autograder.engine.session import Engine
from autograder.notebook.build import replace_functions
from autograder.notebook.read import MAX_CELLS, NotebookError, read_notebook
from autograder.scoring.batch import grade_batch
from autograder.scoring.submission import grade_notebook

from .conftest import LIMITS, SLOT, leftovers, limits_for, write_notebook
from .corpus import (
    LEAF,
    LEAF_ARGS,
    STUBBORN_LOOP,
    Expect,
    Hostile,
    appended,
    check_expectation,
    leaf,
    replaced,
    significant_numbers,
    student_text,
    wrapped_leaf,
)

# --- A: nothing the student's process chose reaches a hidden test ---------------------------------------

# A number made from the call's hidden input, as a student would smuggle it out; the tests compute it too.
SECRET = "10000 + int(abs(float(np.ravel(theta)[0])) * 1e4) % 90000"
MARK = "LEAKMARK"

RAW_REPLY = f'''
import json as _json, os as _os, struct as _struct, time as _time


def _secret(theta):
    return {SECRET}


def _send_raw(header, blobs=()):
    """Write one whole message on this process's socket to the grader, as if it were the reply."""
    sizes = _struct.pack(f"!{{len(blobs)}}Q", *map(len, blobs))
    total = len(header) + len(sizes) + sum(map(len, blobs))
    message = _struct.pack("!IIQ", len(header), len(blobs), total) + header + sizes + b"".join(blobs)
    for fd in _os.listdir("/proc/self/fd"):
        try:
            if _os.readlink(f"/proc/self/fd/{{fd}}").startswith("socket:"):
                view = memoryview(message)
                while view:
                    view = view[_os.write(int(fd), view):]
        except OSError:
            pass
    while True:  # the grader has its reply; this process waits to be killed
        try:
            _time.sleep(1)
        except BaseException:
            pass
'''


def _on_hidden_inputs(body: str) -> str:
    """LEAF right on the public test's lecture data (4 rows), ``body`` on every hidden test's inputs."""
    return (f"_correct_{LEAF} = {LEAF}\n\n\ndef {LEAF}({LEAF_ARGS}):\n"
            f"    if X.shape[0] == 4:\n        return _correct_{LEAF}({LEAF_ARGS})\n"
            + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n")


def _forging(body: str):
    return appended(RAW_REPLY + "\n\n" + _on_hidden_inputs(body))


FORGED = {
    # decode() used to quote 80 characters of a malformed value
    "malformed-value": _forging(f'''
        s = _secret(theta)
        _send_raw(_json.dumps({{"replies": [{{"error": None, "value": {{"{MARK}" + str(s): s, "b": 1, "c": 2,
                                                                      "d": 3}}}}]}}).encode())
    '''),
    # ... and 20 characters of a dtype it did not know
    "unknown-dtype": _forging(f'''
        s = _secret(theta)
        value = {{"array": 0, "dtype": "{MARK}" + str(s), "shape": [1]}}
        _send_raw(_json.dumps({{"replies": [{{"error": None, "value": value}}]}}).encode(), [bytes(8)])
    '''),
    # ... and the whole name of a dtype it refused
    "refused-dtype": _forging('''
        value = {"array": 0, "dtype": "V" + str(_secret(theta)), "shape": [1]}
        _send_raw(_json.dumps({"replies": [{"error": None, "value": value}]}).encode(), [bytes(8)])
    '''),
    # json's error (line and column of the bad byte) reached the call's error through ProcessLost
    "bad-header-position": _forging('''
        _send_raw(b'{"replies": [' + b" " * _secret(theta) + b"!")
    '''),
}
NAMED = {
    # the cell and line the process reports for an exception are numbers it chooses
    "forged-exception-place": appended(_on_hidden_inputs(f'''
        s = {SECRET}
        exec(compile("\\n" * (1000 + s % 3000) + "raise ValueError('{MARK}')", f"<cell {{s}}>", "exec"))
    ''')),
    "exception-class-name": appended(_on_hidden_inputs(f'''
        s = {SECRET}
        raise type("{MARK}" + str(s), (Exception,), {{}})(s)
    ''')),
    "returned-object-type-name": appended(_on_hidden_inputs(f'''
        return type("{MARK}" + str({SECRET}), (), {{}})()
    ''')),
}
HONEST_TWIN = appended(_on_hidden_inputs("raise NotImplementedError"))  # the same real work, nothing forged


def _secrets(assignment) -> set[str]:
    out = set()
    for case in assignment.question(LEAF).cases:
        if case.hidden:
            theta = case.inputs.make()[2]
            s = 10000 + int(abs(float(np.ravel(theta)[0])) * 1e4) % 90000
            out |= {str(s), str(1000 + s % 3000), str(s + 14), str(s + 13)}  # the value, a line, json's column
    return out


def _hidden_inputs(assignment, question: str = LEAF) -> set[str]:
    arrays = []
    for case in assignment.question(question).cases:
        if case.hidden:
            arrays += [v for v in case.inputs.make() if isinstance(v, np.ndarray)]
    return significant_numbers(arrays)


def _scores(result) -> list[tuple[str, str, float]]:
    return [(case.question, case.name, case.points) for case in result.cases]


@pytest.fixture(scope="module")
def honest_twin(assignment, hostile_engine, tmp_path_factory, canary):
    """LEAF right on its public test, not implemented for the hidden ones."""
    from autograder.course import notebook_path

    from .conftest import ROOT
    from .corpus import ASSIGNMENT, Context

    folder = tmp_path_factory.mktemp("twin")
    context = Context(assignment=assignment, student_notebook=notebook_path(ASSIGNMENT, ROOT), course_root=ROOT,
                      out_dir=folder / "grades", submission_dir=folder, label="twin", marker="twin",
                      host_marker_file=folder / "marker", canary_value=canary)
    path = write_notebook(HONEST_TWIN(context), folder, "twin")
    return _scores(grade_notebook(assignment, path, hostile_engine, limits=LIMITS))


@pytest.fixture(scope="module")
def leaf_not_implemented(assignment, hostile_engine, tmp_path_factory):
    """The honest submission with the same real work: everything but LEAF."""
    from autograder.course import notebook_path
    from autograder.notebook.build import filled_notebook

    from .conftest import ROOT
    from .corpus import ASSIGNMENT

    notebook = replace_functions(filled_notebook(assignment, notebook_path(ASSIGNMENT, ROOT)),
                                 {LEAF: leaf("raise NotImplementedError")})
    path = write_notebook(notebook, tmp_path_factory.mktemp("honest"), "leaf-not-implemented")
    return _scores(grade_notebook(assignment, path, hostile_engine, limits=LIMITS))


@pytest.mark.parametrize("name", [*FORGED, *NAMED])
def test_what_a_process_sends_never_reaches_a_hidden_test(name, context, assignment, hostile_engine, hostile_uid,
                                                          honest_twin):
    build = FORGED.get(name) or NAMED[name]
    path = write_notebook(build(context), context.submission_dir, context.label)
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)

    leaf_hidden = tuple(case.name for case in assignment.question(LEAF).cases if case.hidden)
    check_expectation(Hostile(name, "", build, Expect(failed_cases=leaf_hidden)), result, assignment)
    assert _scores(result) == honest_twin
    hidden = [case.message for case in result.cases if case.hidden and case.question == LEAF]
    assert hidden and all(message.strip() for message in hidden)
    secrets = _secrets(assignment)
    for message in hidden:
        assert MARK not in message, message
        assert not [s for s in secrets if s in message], message
        assert not re.search(r"\d{4,}", message), message  # no number of the grader's own is that long here
        assert not [n for n in _hidden_inputs(assignment) if n in message], message
    assert not leftovers(hostile_uid, context.marker)


KEEPS_HIDDEN_INPUTS = f'''
_kept = []
_correct_{LEAF} = {LEAF}
_correct_tanh_gradient = tanh_gradient


def {LEAF}({LEAF_ARGS}):
    if X.shape[0] != 4:  # not the public test's lecture data: a hidden test's inputs
        _kept.append(np.array(X, dtype=float).ravel())
    return _correct_{LEAF}({LEAF_ARGS})


def tanh_gradient(X, y, theta):
    if _kept:
        raise RuntimeError("{MARK} " + repr(np.concatenate(_kept).tolist()))
    return _correct_tanh_gradient(X, y, theta)
'''


def test_inputs_a_function_keeps_from_a_hidden_test_never_reach_a_public_message(context, assignment,
                                                                                hostile_engine):
    """The student's process lives on between calls: every public test runs
    before any hidden one, so what it kept can only come back in hidden tests,
    which show none of it."""
    build = appended(KEEPS_HIDDEN_INPUTS)
    path = write_notebook(build(context), context.submission_dir, context.label)
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)

    tanh_hidden = tuple(c.name for c in assignment.question("tanh_gradient").cases if c.hidden)
    check_expectation(Hostile("keeps", "", build, Expect(failed_cases=tanh_hidden)), result, assignment)
    text = student_text(result)
    assert MARK not in text
    assert not [n for n in _hidden_inputs(assignment) if n in text]
    assert [c.name for c in result.cases] == [c.name for q in assignment.questions for c in q.cases]


# --- B: one deadline per submission -----------------------------------------------------------------------

TRICKLE = '''
import os as _os, struct as _struct, threading as _threading, time as _time


def _trickle():
    """A reply that never ends: one byte every half second, each read well within any timeout."""
    fds = [int(fd) for fd in _os.listdir("/proc/self/fd") if _os.path.exists(f"/proc/self/fd/{fd}")
           and _os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")]
    for byte in _struct.pack("!IIQ", 64, 0, 10**6) + b"{" * 10**6:
        for fd in fds:
            _os.write(fd, bytes([byte]))
        _time.sleep(0.5)
'''


def test_a_reply_that_trickles_in_costs_one_call_limit(context, assignment, hostile_engine, hostile_uid):
    build = appended(TRICKLE + "\n\n" + leaf('''
        _threading.Thread(target=_trickle, daemon=True).start()
        while True:
            try:
                _time.sleep(1)
            except BaseException:
                pass
    '''))
    path = write_notebook(build(context), context.submission_dir, context.label)
    started = time.monotonic()
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    assert time.monotonic() - started < 20  # one call limit and its grace; it used to wait for the last byte
    check_expectation(Hostile("trickle", "", build, Expect(lost=(LEAF,), reason=(r"did not return within",))),
                      result, assignment)
    assert not leftovers(hostile_uid, context.marker)


def test_a_notebook_is_replayed_at_most_five_times(context, assignment, hostile_engine):
    build = appended(*["import os\nos._exit(0)\n"] * 8)
    path = write_notebook(build(context), context.submission_dir, context.label)
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    check_expectation(Hostile("replays", "", build, Expect()), result, assignment)
    assert sum("ended the notebook's process (os._exit" in note for note in result.notes) == 5, result.notes
    assert sum("replayed at most 5 times" in note for note in result.notes) == 3, result.notes


def test_replays_share_the_submissions_one_total_time_limit(context, assignment, hostile_engine):
    """Each cell ignores its interrupt and is killed after its limit and the
    grace: with a fresh budget per replay, eight of them took 16 s of a 5 s limit."""
    build = appended(*[STUBBORN_LOOP] * 8)
    path = write_notebook(build(context), context.submission_dir, context.label)
    limits = limits_for({"total_timeout": 5.0})
    started = time.monotonic()
    result = grade_notebook(assignment, path, hostile_engine, limits=limits)
    assert time.monotonic() - started < 5.0 + 7.0
    check_expectation(Hostile("deadline", "", build, Expect(all_lost=True, reason=("total time limit",))),
                      result, assignment)


# --- C: bounded reading ------------------------------------------------------------------------------------

NESTED = appended(RAW_REPLY + "\n\n" + leaf('_send_raw(b"[" * 100_000 + b"]" * 100_000)'))
HUGE = wrapped_leaf("np.ones(24 * 2**20, dtype=np.int8)")


def _peak_while_grading(assignment, path, engine, limits) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = grade_notebook(assignment, path, engine, limits=limits)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_reply_too_large_is_refused_unread(context, assignment, hostile_engine, leaf_not_implemented):
    limits = limits_for({"memory_mb": 1024})
    honest = write_notebook(context.filled(), context.submission_dir, "honest")
    _, honest_peak = _peak_while_grading(assignment, honest, hostile_engine, limits)
    path = write_notebook(HUGE(context), context.submission_dir, context.label)
    result, peak = _peak_while_grading(assignment, path, hostile_engine, limits)
    check_expectation(Hostile("huge", "", HUGE, Expect(lost=(LEAF,), reason=("more data than the grader accepts",))),
                      result, assignment)
    assert _scores(result) == leaf_not_implemented
    # The 24 MB reply once cost the grader ~10x its size (read, copied, converted to float64).
    assert peak < honest_peak + 8 * 2**20, f"{peak / 2**20:.0f} MB, honest work {honest_peak / 2**20:.0f} MB"


def test_a_reply_nested_past_any_limit_fails_its_call_not_the_row(context, assignment, hostile_engine,
                                                                  hostile_uid, leaf_not_implemented):
    path = write_notebook(NESTED(context), context.submission_dir, context.label)
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    check_expectation(Hostile("nested", "", NESTED, Expect(lost=(LEAF,))), result, assignment)
    assert _scores(result) == leaf_not_implemented
    assert hostile_engine.uid == hostile_uid and _held(hostile_uid)


def test_a_batch_grades_its_other_rows_around_hostile_replies(context, assignment):
    honest = write_notebook(context.filled(), context.submission_dir, "honest-first")
    nested = write_notebook(NESTED(context), context.submission_dir, "nested")
    huge = write_notebook(HUGE(context), context.submission_dir, "huge")
    forged = write_notebook(FORGED["malformed-value"](context), context.submission_dir, "forged")
    last = write_notebook(context.filled(), context.submission_dir, "honest-last")
    results = grade_batch(assignment, [honest, nested, huge, forged, last], context.out_dir, jobs=2,
                          limits=limits_for({"memory_mb": 1024}))
    by_label = {result.submission: result for result in results}
    for label in ("honest-first", "honest-last"):
        assert by_label[label].total == by_label[label].possible == assignment.points, by_label[label].notes
    leaf_points = assignment.question(LEAF).points
    leaf_public = sum(case.points for case in assignment.question(LEAF).cases if not case.hidden)
    for label, lost in (("nested", leaf_points), ("huge", leaf_points), ("forged", leaf_points - leaf_public)):
        assert by_label[label].error is None, by_label[label].error
        assert by_label[label].total == assignment.points - lost, (label, by_label[label].notes)


def _held(uid: int) -> bool:
    """Whether some engine holds the claim on ``uid`` (a second claim would block)."""
    with open(UID_LOCKS / str(uid), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
        return False


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are claimed only when the grader is root")
def test_an_engine_used_after_close_runs_under_a_uid_it_holds(context, assignment):
    """batch.py closes an engine after a grader error and goes on with it: it
    must not go on with a uid another engine may have claimed since."""
    engine = Engine(slot=SLOT + 3)
    try:
        first = engine.uid
        assert _held(first)
        engine.close()
        assert engine.uid is None and not _held(first)
        path = write_notebook(context.filled(), context.submission_dir, "after-close")
        result = grade_notebook(assignment, path, engine, limits=LIMITS)
        assert result.total == assignment.points, result.notes
        assert engine.uid is not None and _held(engine.uid)
    finally:
        engine.close()


def _notebook_bytes(cells: list[bytes]) -> bytes:
    return b'{"cells": [' + b",".join(cells) + b'], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _code(source: str, outputs: str = "[]") -> bytes:
    return (f'{{"cell_type": "code", "execution_count": null, "metadata": {{}}, "outputs": {outputs}, '
            f'"source": {json.dumps(source)}}}').encode()


def test_a_notebook_of_900000_cells_is_refused_before_it_is_parsed(tmp_path, assignment, hostile_engine):
    path = tmp_path / "many.ipynb"
    path.write_bytes(_notebook_bytes([_code("x = 1\n")] * 900_000))
    assert path.stat().st_size > 80 * 2**20
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(NotebookError, match="too many cells"):
            read_notebook(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10  # 239 s before
    assert peak < 2 * path.stat().st_size  # the file's bytes, and nothing built from them (2.3 GB before)
    result = grade_notebook(assignment, path, hostile_engine, limits=LIMITS)
    assert result.total == 0 and "too many cells" in result.error  # the row still exists


@pytest.mark.parametrize("content, reason", [
    (lambda: _notebook_bytes([_code("x = 1\n")] * (MAX_CELLS + 1)), "cells, more than"),
    (lambda: _notebook_bytes([_code("x = 1\n" * 600_000)]), "MB of code"),
    (lambda: _notebook_bytes([_code("x = 1\n")]).replace(b'"metadata": {}, "nbformat"',
                                                         b'"metadata": ' + b"[" * 100_000 + b"]" * 100_000
                                                         + b', "nbformat"'), "nested too deeply"),
])
def test_notebooks_past_a_limit_are_refused_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "limit.ipynb"
    path.write_bytes(content())
    with pytest.raises(NotebookError, match=reason):
        read_notebook(path)


def test_long_printed_outputs_are_still_read(tmp_path):
    """Separators inside strings (a list printed in full) are not structure."""
    printed = json.dumps([{"name": "stdout", "output_type": "stream", "text": "[" + ", ".join(["1"] * 3_000_000)}])
    path = tmp_path / "printed.ipynb"
    path.write_bytes(_notebook_bytes([_code("def f():\n    return 1\n", printed)]))
    started = time.monotonic()
    cells = read_notebook(path).cells
    assert time.monotonic() - started < 10
    assert [cell.source for cell in cells] == ["def f():\n    return 1\n"]


def test_an_array_of_the_wrong_shape_is_not_converted():
    from autograder.checks.compare import compare

    got = np.zeros(50_000_000, dtype=np.int8)
    tracemalloc.start()
    try:
        message = compare(got, np.zeros(3), reveal=False, what="f(x)")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "wrong shape" in message
    assert peak < 2**20, f"{peak / 2**20:.0f} MB for a shape check"  # 400 MB as float64


def test_write_notebook_helper_still_writes(tmp_path, context):
    """The suite's own notebooks are unaffected by the limits."""
    notebook = context.filled()
    notebook.cells.append(new_code_cell("x = 1"))
    assert read_notebook(write_notebook(notebook, tmp_path, "plain")).cells
