"""The hostile corpus: every notebook here is made by code from the
reference-filled logistic_regression notebook plus one hostile change.

Each case says what it must score and why. The expectation is written as the
questions that must lose everything (``lost``), the named test cases that must
fail (``failed_cases``); every other question must keep full marks. ``reason``
lists patterns that must appear in what the student is shown (error, notes and
case messages), so a lost point is always explained by the limit it hit.

Probe cells report what they could see from inside the sandbox by raising
``RuntimeError("PROBE:<tag> <json>")``: the grader shows a cell's error to the
student, which is the one channel a submission has to talk back. ``verify``
then checks the report (and the host) from the grader's side.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograder.engine.session import Limits
from autograder.notebook.build import filled_notebook, reference_sources, replace_functions
from autograder.scoring.results import SubmissionResult
from autograder.spec import Assignment

ASSIGNMENT = "logistic_regression"
# The function most hostile cases attack: nothing else calls it (neither the
# reference nor the notebook's demo cells), so losing it costs only its own tests.
LEAF = "mse_sigmoid_gradient"
LEAF_ARGS = "X, y, theta"
# Functions that the monkeypatching cases get wrong on purpose.
WRONG = ("mse_sigmoid_gradient", "bce_second_derivative", "tanh_gradient")
WRONG_BODY = "return np.full(X.shape[1] + 1, -1.0)  # wrong shape and wrong values"
FAKE = "FAKE-RESULTS-WRITTEN-BY-THE-SUBMISSION"
CANARY_NAME = "HOSTILE_GRADER_SECRET"
CANARY_PREFIX = "canary-"
# Small limits keep the suite fast: a hang costs one second, not ten.
SUITE_LIMITS = Limits(cell_timeout=1.0, call_timeout=1.0, total_timeout=30.0, memory_mb=512)


@dataclass
class Context:
    """Everything a hostile notebook may want to aim at on the grader's side."""

    assignment: Assignment
    student_notebook: Path
    course_root: Path
    out_dir: Path  # the grader's output folder
    submission_dir: Path  # where the submitted notebooks live on the grader's machine
    label: str  # this submission's row label
    marker: str  # unique per test: names processes and files this submission makes
    host_marker_file: Path  # appears only if the grader ran code the submission smuggled out
    canary_value: str = ""  # the grader's secret environment value (never put in a notebook)

    def filled(self) -> nbformat.NotebookNode:
        return filled_notebook(self.assignment, self.student_notebook)

    @staticmethod
    def filled_from(assignment: Assignment, student_notebook: Path) -> nbformat.NotebookNode:
        return filled_notebook(assignment, student_notebook)


Source = str | Callable[[Context], str]
Build = Callable[[Context], nbformat.NotebookNode]


@dataclass(frozen=True)
class Expect:
    lost: tuple[str, ...] = ()  # questions that must score 0
    failed_cases: tuple[str, ...] = ()  # test cases (by name) that must score 0
    all_lost: bool = False  # every question scores 0
    reason: tuple[str, ...] = ()  # regexes over the student-facing text


@dataclass(frozen=True)
class Hostile:
    name: str
    why: str
    build: Build
    expect: Expect
    verify: Callable[[SubmissionResult, Context, dict], None] | None = None
    batch: bool = False  # quick and self-contained: part of the 200-submission batch
    limits: dict = field(default_factory=dict)  # overrides of the suite's small limits
    then_honest: bool = False  # the same engine must grade an honest notebook right afterwards

    def __str__(self) -> str:
        return self.name


# --- building notebooks -------------------------------------------------------------------------


def _text(source: Source, ctx: Context) -> str:
    return source(ctx) if callable(source) else source


def defining_cell(notebook: nbformat.NotebookNode, name: str) -> int:
    """Index (in notebook.cells) of the code cell whose top level defines ``name``."""
    pattern = re.compile(rf"^def {re.escape(name)}\(", re.MULTILINE)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and pattern.search(cell.source):
            return index
    raise LookupError(f"no cell defines {name}")


def replaced(name: str, source: Source) -> Build:
    """The filled notebook with one function's definition replaced."""
    return lambda ctx: replace_functions(ctx.filled(), {name: _text(source, ctx)})


def appended(*sources: Source, base: Build | None = None) -> Build:
    """New cells at the end of the notebook."""

    def build(ctx: Context) -> nbformat.NotebookNode:
        notebook = base(ctx) if base else ctx.filled()
        notebook.cells += [new_code_cell(_text(source, ctx)) for source in sources]
        return notebook

    return build


def before_definition(name: str, source: Source) -> Build:
    """A new cell right before the cell that defines ``name``."""

    def build(ctx: Context) -> nbformat.NotebookNode:
        notebook = ctx.filled()
        notebook.cells.insert(defining_cell(notebook, name), new_code_cell(_text(source, ctx)))
        return notebook

    return build


def inside_defining_cell(name: str, source: Source) -> Build:
    """Hostile code at the top of the cell that defines ``name``, before the def."""

    def build(ctx: Context) -> nbformat.NotebookNode:
        notebook = ctx.filled()
        cell = notebook.cells[defining_cell(notebook, name)]
        cell.source = _text(source, ctx).rstrip("\n") + "\n\n" + cell.source
        return notebook

    return build


def leaf(body: str) -> str:
    """A definition of LEAF with the given body."""
    return f"def {LEAF}({LEAF_ARGS}):\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


def wrapped_leaf(returns: str, setup: str = "") -> Build:
    """LEAF redefined at the end of the notebook: it computes the correct value
    with the student's own (correct) function and returns ``returns`` made from
    ``value`` instead. Exercises 'the last definition wins' too."""
    source = (f"_correct_{LEAF} = {LEAF}\n{textwrap.dedent(setup).strip()}\n\n"
              f"def {LEAF}({LEAF_ARGS}):\n    value = _correct_{LEAF}({LEAF_ARGS})\n    return {returns}\n")
    return appended(source)


def with_wrong_functions(ctx: Context) -> nbformat.NotebookNode:
    sources = {}
    for name in WRONG:
        arguments = ", ".join(ctx.assignment.contract[name])
        sources[name] = f"def {name}({arguments}):\n    {WRONG_BODY}\n"
    return replace_functions(ctx.filled(), sources)


# --- probes: a cell reports what it saw through its own error message ------------------------------

REPORT = '''import json as _json


def _report(tag, data):
    raise RuntimeError("PROBE:" + tag + " " + _json.dumps(data, separators=(",", ":")))
'''


def probe(body: Source) -> Source:
    return lambda ctx: REPORT + "\n" + textwrap.dedent(_text(body, ctx))


def probes(result: SubmissionResult) -> dict[str, dict]:
    """The reports of every probe cell, by tag."""
    found = {}
    decoder = json.JSONDecoder()
    for note in result.notes:
        for match in re.finditer(r"PROBE:(\w+) ", note):
            try:
                found[match.group(1)], _ = decoder.raw_decode(note, match.end())
            except ValueError:
                found[match.group(1)] = {"unparsable": note[match.end():][:200]}
    return found


def student_text(result: SubmissionResult) -> str:
    """Everything the student is shown about this submission."""
    return "\n".join([result.error or "", *result.notes, *(case.message for case in result.cases)])


def check_expectation(case: Hostile, result: SubmissionResult, assignment: Assignment) -> None:
    """Lost questions score 0, named cases fail, everything else keeps full
    marks; every lost point carries a message; the reasons are shown."""
    problems = []
    lost = {q.name for q in assignment.questions} if case.expect.all_lost else set(case.expect.lost)
    for test in result.cases:
        must_fail = test.question in lost or test.name in case.expect.failed_cases
        if must_fail and test.points != 0:
            problems.append(f"{test.question} / {test.name}: earned {test.points:g}, must earn 0")
        if not must_fail and not test.passed:
            problems.append(f"{test.question} / {test.name}: lost its points: {test.message[:200]}")
        if not test.passed and not test.message.strip():
            problems.append(f"{test.question} / {test.name}: lost its points without a message")
    expected_cases = [(q.name, c.name) for q in assignment.questions for c in q.cases]
    if [(c.question, c.name) for c in result.cases] != expected_cases:
        problems.append("the result does not list every test case of the assignment exactly once")
    text = student_text(result)
    for pattern in case.expect.reason:
        if not re.search(pattern, text):
            problems.append(f"the student is not told /{pattern}/")
    if result.error is not None:
        problems.append(f"the submission was not graded at all: {result.error}")
    failed = [case.message for case in result.cases if not case.passed]
    assert not problems, "\n".join(problems + ["--- notes:", *result.notes, "--- failed cases:", *failed])



# --- the probes' targets and checks ----------------------------------------------------------------


def fake_result_targets(ctx: Context) -> list[str]:
    """Every place a submission might write a fake results.json or scores.csv."""
    return [str(ctx.out_dir / "scores.csv"), str(ctx.out_dir / ctx.label / "results.json"),
            str(ctx.out_dir / "results.json"), str(ctx.submission_dir / "scores.csv"),
            str(ctx.submission_dir / ctx.label / "results.json"), str(ctx.course_root / "scores.csv"),
            "/autograder/results/results.json", "/results/results.json", "/tmp/scores.csv",
            "/dev/shm/results.json", "results.json", "scores.csv", "../results.json"]


def _fake_results_probe(ctx: Context) -> str:
    fake = json.dumps({"score": 1000, "max_score": 50, "output": FAKE, "tests": []})
    return f'''
        import os
        written = []
        for number, path in enumerate({fake_result_targets(ctx)!r}):
            try:
                folder = os.path.dirname(path)
                if folder:
                    os.makedirs(folder, exist_ok=True)
                with open(path, "w") as file:
                    fake_csv = "submission,total\\n{ctx.label},1000\\n{FAKE}\\n"
                    file.write({fake!r} if path.endswith(".json") else fake_csv)
                written.append(number)
            except BaseException:
                pass
        _report("fake", {{"written": written, "cwd": os.getcwd()}})
    '''


def _verify_fake_results(result: SubmissionResult, ctx: Context, report: dict) -> None:
    targets = fake_result_targets(ctx)
    written = [targets[number] for number in report["fake"]["written"]]
    # Only the sandbox's own working folder may take the files: relative paths, and nothing on the host.
    assert all(not os.path.isabs(path) for path in written), written
    for path in targets:
        if os.path.isabs(path) and os.path.exists(path):
            assert FAKE not in Path(path).read_text(errors="replace"), f"the submission wrote {path}"


def _solutions_probe(ctx: Context) -> str:
    solution = ctx.course_root / "solutions" / ASSIGNMENT
    paths = [str(solution / name) for name in ("reference.py", "hidden_tests.py", "mistakes.py")]
    paths += [str(ctx.course_root / "solutions" / "__init__.py"), f"/proc/1/root{solution}/reference.py",
              f"/proc/self/root{solution}/hidden_tests.py"]
    return f'''
        import importlib, os
        seen = {{}}
        for module in ("solutions", "solutions.{ASSIGNMENT}.reference", "solutions.{ASSIGNMENT}.hidden_tests"):
            try:
                importlib.import_module(module)
                seen[module] = "imported"
            except BaseException as error:
                seen[module] = type(error).__name__
        opened = []
        for path in {paths!r}:
            try:
                with open(path) as file:
                    file.read(1)
                opened.append("READ")
            except BaseException as error:
                opened.append(type(error).__name__)
        found = []
        skip = {{"/proc", "/sys", "/dev", "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc"}}
        for top, folders, files in os.walk("/"):
            folders[:] = [f for f in folders if os.path.join(top, f) not in skip
                          and f not in ("site-packages", "__pycache__", "dist-packages")]
            found += [os.path.join(top, f) for f in files
                      if f in ("hidden_tests.py", "reference.py", "mistakes.py") or "solutions" in top]
        try:
            from autograder.course import load_assignment
            from pathlib import Path
            load_assignment("{ASSIGNMENT}", Path({str(ctx.course_root)!r}))
            loaded = "loaded"
        except BaseException as error:
            loaded = type(error).__name__
        _report("solutions", {{"import": sorted(set(seen.values())), "open": sorted(set(opened)),
                               "found": found[:2], "load": loaded}})
    '''


def _verify_solutions(result: SubmissionResult, ctx: Context, report: dict) -> None:
    seen = report["solutions"]
    assert seen["import"] == ["ModuleNotFoundError"], seen
    assert set(seen["open"]) <= {"FileNotFoundError", "PermissionError"}, seen
    assert seen["found"] == [], seen["found"]
    assert seen["load"] != "loaded", seen


ENV_PROBE = f'''
    import os
    needle = "{CANARY_PREFIX}"
    hits = sum(needle in value for value in os.environ.values())
    readable = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit() or pid in ("self", "thread-self"):
            for part in ("environ", "cmdline"):
                try:
                    with open(f"/proc/{{pid}}/{{part}}", "rb") as file:
                        data = file.read()
                except OSError:
                    continue
                readable += 1
                hits += needle.encode() in data
    _report("env", {{"keys": sorted(os.environ), "hits": hits, "readable": readable}})
'''


def _verify_env(result: SubmissionResult, ctx: Context, report: dict) -> None:
    seen = report["env"]
    assert ctx.canary_value and ctx.canary_value not in student_text(result)
    assert CANARY_NAME not in seen["keys"], seen
    assert seen["hits"] == 0, seen
    assert seen["readable"] > 0, "the probe could read nothing at all: it proves nothing"


NETWORK_PROBE = '''
    import socket
    seen = {}
    for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", 22), ("::1", 80)):
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            seen[host] = "connected"
        except OSError as error:
            seen[host] = type(error).__name__
    try:
        socket.getaddrinfo("pypi.org", 443)
        seen["dns"] = "resolved"
    except OSError as error:
        seen["dns"] = type(error).__name__
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.sendto(b"x", ("8.8.8.8", 53))
        seen["udp"] = "sent"
    except OSError as error:
        seen["udp"] = type(error).__name__
    _report("network", seen)
'''


def _verify_network(result: SubmissionResult, ctx: Context, report: dict) -> None:
    seen = report["network"]
    assert "connected" not in seen.values() and seen["dns"] != "resolved" and seen["udp"] != "sent", seen


DISK_PROBE = '''
    import os, time
    block = b"d" * (4 * 2**20)
    written, start, number = 0, time.monotonic(), 0
    try:
        while time.monotonic() - start < 0.6:
            with open(f"fill-{number}.bin", "wb") as file:
                for _ in range(3):
                    file.write(block)
                    written += len(block)
            number += 1
    except OSError as error:
        stopped = type(error).__name__
    else:
        stopped = "time"
    _report("disk", {"mb": written // 2**20, "stopped": stopped})
'''


def _verify_disk(result: SubmissionResult, ctx: Context, report: dict) -> None:
    seen = report["disk"]
    # The sandbox's files live in memory (tmpfs): a submission must not be able to
    # store more there than its memory budget allows.
    budget = SUITE_LIMITS.memory_mb
    assert seen["mb"] <= budget, f"the submission stored {seen['mb']} MB in its sandbox ({seen})"


def _pickle_payload(ctx: Context) -> str:
    return f'''
        import os, pickle
        import numpy as np


        class _Smuggled:
            def __reduce__(self):
                return (os.system, ("touch {ctx.host_marker_file}",))


        _payload = pickle.dumps(_Smuggled())
        _object_array = pickle.dumps(np.array([_Smuggled()], dtype=object))
    '''


def _verify_nothing_unpickled(result: SubmissionResult, ctx: Context, report: dict) -> None:
    assert not ctx.host_marker_file.exists(), "the grader ran code from a pickled payload"


def _forged_protocol(ctx: Context) -> str:
    """The running protocol module is reached through gc (it cannot be imported
    in the sandbox), and its encode forged: every reply carries a pickled
    object array."""
    return _pickle_payload(ctx) + '''
        import gc, types


        def _forged_encode(value, blobs, store=None, depth=0):
            blobs.append(_object_array)
            return {"array": len(blobs) - 1, "dtype": "|O", "shape": [1]}


        gc.unfreeze()  # the zygote's objects are frozen, out of get_objects' sight
        for _found in gc.get_objects():
            if isinstance(_found, types.FunctionType) and _found.__name__ == "encode" and \\
                    _found.__module__.endswith("protocol"):
                _found.__globals__["encode"] = _forged_encode
    '''


def _hide_mutation(ctx: Context) -> str:
    return textwrap.dedent('''
        import copy
        import autograder.engine.child as _child

        _real_perform_call = _child.perform_call


        def _perform_call(function, args, keep_args, timeout=None):
            untouched = copy.deepcopy(args)
            reply = _real_perform_call(function, args, keep_args, timeout)
            if keep_args:
                reply["args_after"] = untouched
            reply["aliases"] = []
            return reply


        _child.perform_call = _perform_call
    ''')


IN_PLACE_UPDATE = "def update(theta, grad, lr):\n    theta -= lr * grad\n    return theta\n"
PURITY_CASES = ("update returns a new array and leaves theta unchanged", "update leaves its inputs unchanged")
# What the student's process reports about a call (its arguments after it) is not credited when the
# notebook reaches into the grader's code, or is found to have changed it.
SELF_REPORTED_CASES = PURITY_CASES + ("sgd_step leaves its inputs unchanged",)
SIGMOID_STABILITY = ("sigmoid(±720) and sigmoid(±1000) without overflow",
                     "sigmoid of large magnitudes stays finite and keeps its digits")
TEXTBOOK_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
SILENCED_SIGMOID = "def sigmoid(z):\n    with np.errstate(over=\"ignore\"):\n        return 1 / (1 + np.exp(-z))\n"

# A stand-in for the child's perform_call that reports the arguments as they were before the call and no
# views, and even puts the values back into the arguments afterwards, so that a second call sees them
# unchanged: only the grader's check of its own code can tell.
_HIDING_CALL = '''
import copy as _copy
import numpy as _np


def _hiding(real):
    def perform_call(function, args, keep_args, timeout=None, namespace=None):
        untouched = _copy.deepcopy(args)
        reply = real(function, args, keep_args, timeout, namespace)
        if isinstance(reply.get("value"), _np.ndarray):
            reply["value"] = reply["value"].copy()  # what it returned may be an argument: keep it as it is now
        for now, before in zip(args, untouched):
            if isinstance(now, _np.ndarray) and now.shape == before.shape:
                now[...] = before
        if keep_args:
            reply["args_after"], reply["aliases"] = untouched, []
        return reply

    return perform_call
'''

PROBE_BY_BUILT_NAME = _HIDING_CALL + '''
_calls = __import__("auto" "grader.engine.student_code", fromlist=["perform_call"])
_calls.perform_call = _hiding(_calls.perform_call)
'''

PROBE_THROUGH_SYS_MODULES = _HIDING_CALL + '''
import sys
for _name, _module in list(sys.modules.items()):
    if _name.endswith("student_code") and hasattr(_module, "perform_call"):
        _module.perform_call = _hiding(_module.perform_call)
'''

PROBE_THROUGH_GC = _HIDING_CALL + '''
import gc, types
gc.unfreeze()  # the zygote's objects are frozen, out of get_objects' sight
for _found in gc.get_objects():
    if isinstance(_found, types.FunctionType) and _found.__name__ == "perform_call" and \\
            "keep_args" in _found.__code__.co_varnames and _found.__module__ != "__main__":
        _found.__globals__["perform_call"] = _hiding(_found)
'''

PROBE_THROUGH_FRAMES = _HIDING_CALL + '''
import sys
_frame = sys._getframe(0)
while _frame is not None:
    if "perform_call" in _frame.f_globals and _frame.f_globals is not globals():
        _frame.f_globals["perform_call"] = _hiding(_frame.f_globals["perform_call"])
        break
    _frame = _frame.f_back
'''

# An in-place update that can also undo what it did (``_undo_all``): a patched tool of the harness that
# runs after the call and before the arguments are read would put them back and fake purity. The tools
# are held by the harness from before the first cell, so rebinding them changes nothing; changing them in
# place is found by the integrity record.
UNDOING_UPDATE = """
import numpy as np
_undo = []


def _undo_all():
    while _undo:
        _undo.pop()()


def update(theta, grad, lr):
    saved = theta.copy()
    _undo.append(lambda: theta.__setitem__(Ellipsis, saved))
    theta -= lr * grad
    return theta.copy()
"""

REBIND_CATCH_WARNINGS = """
import warnings


class _Undoing(warnings.catch_warnings):
    def __exit__(self, *exc):
        _undo_all()
        return super().__exit__(*exc)


warnings.catch_warnings = _Undoing
"""

REBIND_ERRSTATE = """
import numpy as np


class _Undoing(np.errstate):
    def __exit__(self, *exc):
        _undo_all()
        return super().__exit__(*exc)


np.errstate = _Undoing
"""

REBIND_SETITIMER = """
import signal

_real_setitimer = signal.setitimer
signal.setitimer = lambda *args: (_undo_all(), _real_setitimer(*args))[1]
"""

# The warning's text is what the harness reads after the call: its __str__ undoes the change once
# update has returned (the warnings module reads it during the call too).
UNDOING_WARNING = """
import warnings

_returned = [False]


class _Undo(UserWarning):
    def __str__(self):
        if _returned[0]:
            _undo_all()
        return "nothing to see"


_update = update


def update(theta, grad, lr):
    _returned[0] = False
    value = _update(theta, grad, lr)
    warnings.warn(_Undo())
    _returned[0] = True
    return value
"""

PATCH_CATCH_WARNINGS_EXIT = """
import warnings

_real_exit = warnings.catch_warnings.__exit__


def _undoing_exit(self, *exc):
    _undo_all()
    return _real_exit(self, *exc)


warnings.catch_warnings.__exit__ = _undoing_exit
"""

PATCH_ERRSTATE_EXIT = """
import numpy as np

_real_exit = np.errstate.__exit__
np.errstate.__exit__ = lambda self, *exc: (_undo_all(), _real_exit(self, *exc))[1]
"""

PATCH_FILTERS_MUTATED = """
import warnings

_real_mutated = warnings._filters_mutated
warnings._filters_mutated = lambda: (_undo_all(), _real_mutated())[1]
"""

# update changes theta 50 ms after it returned, from a timer thread (not when train calls it in a
# loop, which would start more threads than the process limit allows).
DELAYED_UPDATE = """
import sys
import threading
import numpy as np


def update(theta, grad, lr):
    new = theta - lr * grad
    if sys._getframe(1).f_code.co_name != "train":
        threading.Timer(0.05, lambda t=theta, g=grad: t.__isub__(lr * g)).start()
    return new
"""

MEMFD_PROBE = """
    import errno, os
    try:
        fd = os.memfd_create("hoard")
        os.write(fd, b"m" * 2**20)
        memfd = 0
    except OSError as error:
        memfd = error.errno
    stored = 0
    try:
        with open("/dev/shm/hoard", "wb") as file:
            for _ in range(64):
                file.write(b"s" * 2**20)
                file.flush()
                stored += 1
    except OSError:
        pass
    _report("memfd", {"memfd": memfd, "shm_mb": stored})
"""

# Five children, each under its own address-space limit, each touching 450 MB and holding it for three
# seconds: 2.2 GB in all where only per-process limits hold. Those that exit with 7 had all of it at
# once (any two of them held it at the same time).
FORKED_MEMORY_PROBE = """
    import os, time
    children = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            try:
                block = bytearray(450 * 2**20)
                for k in range(0, len(block), 4096):
                    block[k] = 1
                time.sleep(3)
                os._exit(7)
            finally:
                os._exit(0)
        children.append(pid)
    full = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7 for pid in children)
    _report("forked", {"full": full})
"""


def _verify_memfd(result: SubmissionResult, ctx: Context, report: dict) -> None:
    import errno

    assert report["memfd"]["memfd"] == errno.EPERM, report
    assert report["memfd"]["shm_mb"] <= 1, report  # a private /dev/shm of 1 MB


def _verify_forked_memory(result: SubmissionResult, ctx: Context, report: dict) -> None:
    from autograder.engine import cgroups

    full = report["forked"]["full"]
    if cgroups.unavailable_reason():  # per-process limits only: each child may use the whole limit
        return
    # memory.max is the limit plus cgroups.MARGIN_MB: room for one 450 MB child, never two
    assert full <= 1, f"{full} children of 450 MB each had all their memory under a {SUITE_LIMITS.memory_mb} MB limit"


STUBBORN_LOOP = """
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
"""

BACKGROUND = '''
    import os, subprocess, time
    subprocess.Popen(["sleep", "{seconds}"], start_new_session=True)
    subprocess.Popen(["sh", "-c", "trap '' TERM HUP INT; while :; do sleep 0.2; done", "{marker}"],
                     start_new_session=True)
    if os.fork() == 0:  # a classic daemon: fork, new session, fork again, ignore the polite signals
        os.setsid()
        if os.fork() == 0:
            os.execvp("sh", ["sh", "-c", "trap '' TERM HUP INT; while :; do sleep 0.2; done", "{marker}-daemon"])
        os._exit(0)
    time.sleep(0.2)
    running = 0
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{{pid}}/cmdline", "rb") as file:
                command = file.read()
        except OSError:
            continue
        running += b"{marker}" in command or b"{seconds}" in command
    _report("background", {{"running": running}})
'''


def _background(ctx: Context) -> str:
    return REPORT + textwrap.dedent(BACKGROUND).format(marker=ctx.marker, seconds=_marker_seconds(ctx))


def _verify_background(result: SubmissionResult, ctx: Context, report: dict) -> None:
    # at least the three: a shell forking its next `sleep` shows the shell's command line for a moment too
    assert report["background"]["running"] >= 3, f"the background processes did not start: {report}"


def _marker_seconds(ctx: Context) -> str:
    return f"{9000 + sum(map(ord, ctx.marker)) % 997}.{len(ctx.marker)}{ord(ctx.marker[-1])}"


KILL_EVERYONE = '''
import os, signal
me = os.getpid()
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid != me:
        for sig in (signal.SIGKILL, signal.SIGSTOP):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
'''

ZYGOTE_PIDFD = '''
import os
_real_pidfd_open = os.pidfd_open
# When the grader asks for a worker, hand it the zygote's pidfd instead of the worker's:
# the next time the grader kills "the worker", it kills the zygote.
os.pidfd_open = lambda pid, flags=0: _real_pidfd_open(os.getppid(), flags)
'''

GARBAGE_TO_SOCKET = '''
import os
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
            os.write(int(fd), b"\\xff" * 64)
    except OSError:
        pass
'''

PATCH_NUMPY = '''
import numpy as np
import numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.seterr(all="ignore")
'''

PATCH_BUILTINS = '''
import builtins
builtins.abs = lambda x: 0
builtins.all = lambda iterable: True
builtins.any = lambda iterable: False
builtins.max = lambda *a, **k: 0
builtins.min = lambda *a, **k: 0
builtins.sum = lambda *a, **k: 0
builtins.round = lambda *a, **k: 0
'''

PATCH_AUTOGRADER = '''
import autograder.checks.compare as _compare
import autograder.checks.kinds as _kinds
import autograder.scoring.grade as _grade
_compare.compare = lambda *a, **k: None
_grade.run_case = lambda check, context: _kinds.Outcome(True, "")
for _kind in (_kinds.Matches, _kinds.DerivativeAgrees, _kinds.Satisfies, _kinds.Stable, _kinds.Pure):
    _kind.run = lambda self, ctx: _kinds.Outcome(True, "")
'''

PATCH_IPYTHON = '''
import sys
shell = get_ipython()
shell.showtraceback = lambda *a, **k: None
shell.showsyntaxerror = lambda *a, **k: None
sys.excepthook = lambda *a: None
try:
    from IPython.core.interactiveshell import InteractiveShell
    InteractiveShell.showtraceback = lambda *a, **k: None
except ImportError:
    pass
'''

FORK_BOMB = "import os\nwhile True:\n    os.fork()\n"
C_STACK_OVERFLOW = """
import sys
sys.setrecursionlimit(10**9)
left, right = [], []
for _ in range(2 * 10**5):
    left, right = [left], [right]
left == right  # compared in C, one C stack frame per level
"""
# Address space runs out at once, however busy the machine: the limit is hit
# within the cell's one second even when other work slows every page fault.
MEMORY_BOMB = """
def _hog():
    hog = []
    while True:
        hog.append(np.empty(2**25))  # 256 MB of address space each


_hog()
"""
ONE_GB_OF_OUTPUT = """
import os, sys
chunk = "x" * 2**27
for _ in range(8):
    sys.stdout.write(chunk)
print(chunk, file=sys.stderr)
os.write(1, b"y" * 2**27)
"""
SPINNING_THREADS = """
import threading


def _spin():
    while True:
        pass


for _ in range(2):
    threading.Thread(target=_spin, daemon=True).start()
threading.Thread(target=_spin).start()
"""


def _names_dtype(pattern: str):
    """Every lost public test of LEAF tells the student which dtype it got
    (hidden tests describe nothing the student's code produced)."""

    def verify(result: SubmissionResult, ctx: Context, report: dict) -> None:
        lost = [case for case in result.cases if case.question == LEAF and not case.passed]
        assert any(not case.hidden for case in lost)
        for case in lost:
            if not case.hidden:
                assert re.search(rf"dtype\W{{0,3}}({pattern})", case.message), case.message

    return verify


def _misnamed(ctx: Context) -> str:
    return reference_sources(ctx.assignment)[LEAF].replace(f"def {LEAF}(", f"def {LEAF[:-4]}(", 1)


def _echo_inputs_source() -> str:
    return leaf("raise ValueError('inputs: ' + repr((X.tolist(), y.tolist(), theta.tolist()))[:280])")


# --- the corpus ------------------------------------------------------------------------------------

CASES: list[Hostile] = [
    # time
    Hostile("loop-top-level-cell", "an infinite loop in a cell of its own is interrupted and costs nothing",
            before_definition(LEAF, "while True:\n    pass\n"), Expect(reason=("cell time limit",)), batch=True),
    Hostile("loop-in-defining-cell", "an infinite loop before a def costs exactly what that cell defines",
            inside_defining_cell(LEAF, "while True:\n    pass\n"),
            Expect(lost=(LEAF,), reason=("cell time limit", rf"{LEAF}.*not defined|not defined.*{LEAF}")),
            batch=True),
    Hostile("loop-in-graded-function", "an infinite loop inside a function costs only that function's tests",
            replaced(LEAF, leaf("while True:\n    pass")), Expect(lost=(LEAF,), reason=("call time limit",))),
    Hostile("loop-ignores-interrupt-top-level", "a cell that swallows the interrupt is killed and skipped",
            before_definition(LEAF, STUBBORN_LOOP), Expect(reason=("ignored the interrupt",)), batch=True),
    Hostile("loop-ignores-interrupt-in-function", "a call that swallows the interrupt is killed",
            replaced(LEAF, leaf(STUBBORN_LOOP)), Expect(lost=(LEAF,), reason=(r"did not return within",))),
    Hostile("sleep-top-level", "time.sleep in a cell is interrupted like a loop",
            before_definition(LEAF, "import time\ntime.sleep(3600)\n"), Expect(reason=("cell time limit",)),
            batch=True),
    Hostile("sleep-in-graded-function", "time.sleep in a function costs that function",
            replaced(LEAF, leaf("import time\ntime.sleep(3600)")), Expect(lost=(LEAF,), reason=("call time limit",))),
    Hostile("slow-cells-use-up-total-time", "cells that each stay under the cell limit still hit the total limit",
            lambda ctx: _slow_start(ctx), Expect(all_lost=True, reason=("total time limit",)),
            verify=lambda result, ctx, report: _verify_total_named(result), limits={"total_timeout": 3.0}),
    # memory
    Hostile("memory-bomb-top-level", "a cell that allocates until it fails is stopped by the memory limit",
            before_definition(LEAF, MEMORY_BOMB), Expect(reason=("memory limit",)), batch=True,
            limits={"memory_mb": 192}),
    Hostile("memory-bomb-in-function", "a function that allocates without end loses only its tests",
            replaced(LEAF, leaf("hog = []\nwhile True:\n    hog.append(np.empty(2**25))  # see MEMORY_BOMB")),
            Expect(lost=(LEAF,), reason=("memory limit",)), limits={"memory_mb": 192}),
    Hostile("huge-return-value", "a 64 MB result is refused by its size before it is read",
            wrapped_leaf("np.zeros(2**23)"), Expect(lost=(LEAF,), reason=("more data than the grader accepts",))),
    # processes
    Hostile("fork-bomb-top-level", "a fork bomb hits the process limit; its survivors are killed",
            before_definition(LEAF, FORK_BOMB), Expect(reason=("process limit",)), then_honest=True),
    Hostile("fork-bomb-in-function", "a fork bomb inside a call costs that function",
            replaced(LEAF, leaf(FORK_BOMB)), Expect(lost=(LEAF,), reason=("process limit",))),
    Hostile("background-process", "processes started in the background are killed with the submission",
            appended(_background), Expect(), verify=_verify_background, batch=True),
    Hostile("thread-left-running", "busy threads left running do not change any score",
            appended(SPINNING_THREADS), Expect(), batch=True),
    Hostile("kill-every-other-pid", "signalling every visible pid (zygote included) cannot stop the grader",
            appended(KILL_EVERYONE), Expect(), batch=True, then_honest=True),
    Hostile("zygote-pidfd-instead-of-worker", "a template that hands over the zygote's pidfd only loses its own calls",
            appended(ZYGOTE_PIDFD), Expect(all_lost=True, reason=("not its own worker",)), then_honest=True),
    # crashes and exits
    Hostile("os-exit-at-the-end", "os._exit in the last cell: the cell is skipped, everything else counts",
            appended("import os\nos._exit(0)\n"), Expect(reason=("ended the notebook's process",)), batch=True),
    Hostile("sys-exit-at-the-end", "sys.exit in the last cell is an ordinary error",
            appended("import sys\nsys.exit()\n"), Expect(reason=("SystemExit",)), batch=True),
    Hostile("raises-system-exit", "SystemExit from a graded function fails only its tests",
            replaced(LEAF, leaf("raise SystemExit(0)")), Expect(lost=(LEAF,), reason=("SystemExit",)), batch=True),
    Hostile("raises-keyboard-interrupt", "KeyboardInterrupt from a graded function fails only its tests",
            replaced(LEAF, leaf("raise KeyboardInterrupt")), Expect(lost=(LEAF,), reason=("KeyboardInterrupt",))),
    Hostile("raises-base-exception", "a BaseException subclass from a graded function fails only its tests",
            replaced(LEAF, leaf("class Escape(BaseException):\n    pass\n\n\nraise Escape('out')")),
            Expect(lost=(LEAF,), reason=("Escape",))),
    Hostile("os-exit-in-function", "os._exit inside a call costs that function",
            replaced(LEAF, leaf("import os\nos._exit(0)")), Expect(lost=(LEAF,), reason=("ended its process",))),
    Hostile("segfault-top-level", "a segfault through ctypes in a cell: skipped and replayed without it",
            before_definition(LEAF, "import ctypes\nctypes.string_at(0)\n"),
            Expect(reason=("ended the notebook's process",)), batch=True),
    Hostile("segfault-in-function", "a segfault inside a call costs that function",
            replaced(LEAF, leaf("import ctypes\nctypes.string_at(0)")),
            Expect(lost=(LEAF,), reason=("ended its process",))),
    Hostile("deep-recursion-c-stack", "recursion that overflows the C stack crashes only its cell",
            before_definition(LEAF, C_STACK_OVERFLOW), Expect(reason=("ended the notebook's process",))),
    Hostile("deep-recursion-in-function", "unbounded recursion in a function is a RecursionError",
            replaced(LEAF, leaf(f"return {LEAF}({LEAF_ARGS})")), Expect(lost=(LEAF,), reason=("recursed too deeply",)),
            batch=True),
    Hostile("close-every-fd", "closing the grader's socket ends the cell's process; it is replayed without it",
            before_definition(LEAF, "import os\nos.closerange(3, 65536)\n"),
            Expect(reason=("ended the notebook's process",))),
    Hostile("garbage-on-grader-socket", "bytes written on the grader's socket are rejected, not believed",
            before_definition(LEAF, GARBAGE_TO_SOCKET), Expect(reason=("ended the notebook's process",))),
    # output and files
    Hostile("one-gigabyte-of-output", "1 GB printed to stdout, stderr and fd 1 is capped and dropped",
            before_definition(LEAF, ONE_GB_OF_OUTPUT), Expect(reason=("output limit",)), batch=True),
    Hostile("output-from-graded-function", "a function that prints 64 MB per call still gets its points",
            wrapped_leaf("print(\"z\" * 2**26) or value"), Expect()),
    Hostile("fake-results-everywhere", "fake results.json/scores.csv land nowhere the grader reads",
            appended(probe(_fake_results_probe)), Expect(), verify=_verify_fake_results, batch=True),
    Hostile("fill-the-disk", "the sandbox's files (in memory) cannot outgrow the memory budget",
            appended(probe(DISK_PROBE)), Expect(), verify=_verify_disk),
    Hostile("shell-escapes-and-magics", "!commands and %%bash cells are not run",
            appended("!rm -rf / --no-preserve-root\n%env HOSTILE=1", "%%bash\nrm -rf /\n"),
            Expect(reason=("ignored by the grader",)), batch=True),
    # the reference, the environment and the network
    Hostile("read-the-solutions", "solutions and hidden tests are not importable or readable in the sandbox",
            appended(probe(_solutions_probe)), Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",)),
            verify=_verify_solutions, batch=True),
    Hostile("read-the-environment", "no secret of the grader's environment is visible",
            appended(probe(ENV_PROBE)), Expect(), verify=_verify_env, batch=True),
    Hostile("network-access", "the sandbox has no network",
            appended(probe(NETWORK_PROBE)), Expect(), verify=_verify_network, batch=True),
    # monkeypatching the child changes no score
    Hostile("patch-numpy", "np.allclose, np.isclose and np.testing patched in the child change nothing",
            appended(PATCH_NUMPY, base=with_wrong_functions), Expect(lost=WRONG), batch=True),
    Hostile("patch-builtins", "abs/all/any/max/min/sum/round patched in the child change nothing",
            appended(PATCH_BUILTINS, base=with_wrong_functions), Expect(lost=WRONG)),
    Hostile("patch-autograder", "the grader's checks patched inside the child change nothing",
            appended(PATCH_AUTOGRADER, base=with_wrong_functions),
            Expect(lost=WRONG, failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",)), batch=True),
    Hostile("patch-ipython-showtraceback", "silencing tracebacks hides no error from the grader",
            appended(PATCH_IPYTHON, "1 / 0", base=with_wrong_functions),
            Expect(lost=WRONG, reason=("ZeroDivisionError",))),
    Hostile("patch-child-to-hide-mutation", "patching the child's call to report untouched arguments "
            "does not turn an in-place update into a pure one",
            appended(_hide_mutation, base=replaced("update", IN_PLACE_UPDATE)),
            Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",))),
    Hostile("probe-imported-by-a-built-name", "the grader's internals cannot be imported under a name built "
            "from strings: the in-place update loses what an honest one loses",
            appended(PROBE_BY_BUILT_NAME, base=replaced("update", IN_PLACE_UPDATE)),
            Expect(failed_cases=PURITY_CASES, reason=("ModuleNotFoundError", "changed its argument"))),
    Hostile("probe-through-sys-modules", "the grader's modules are not in sys.modules: the in-place update "
            "loses what an honest one loses",
            appended(PROBE_THROUGH_SYS_MODULES, base=replaced("update", IN_PLACE_UPDATE)),
            Expect(failed_cases=PURITY_CASES, reason=("changed its argument",))),
    Hostile("probe-through-gc", "the child's call reached through gc and replaced (even undoing the change "
            "afterwards) is found out: nothing the process reports about itself is credited",
            appended(PROBE_THROUGH_GC, base=replaced("update", IN_PLACE_UPDATE)),
            Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",))),
    Hostile("probe-through-frames", "the child's call reached through a cell's calling frame and replaced is "
            "found out: nothing the process reports about itself is credited",
            appended(PROBE_THROUGH_FRAMES, base=replaced("update", IN_PLACE_UPDATE)),
            Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",))),
    # the harness's tools around a call: held by reference (a rebinding is ineffective), or recorded (flagged)
    Hostile("rebind-catch-warnings", "a catch_warnings subclass that undoes the change on exit is never used",
            appended(REBIND_CATCH_WARNINGS, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=PURITY_CASES, reason=("changed its argument",))),
    Hostile("rebind-errstate", "an np.errstate subclass that undoes the change on exit is never used",
            appended(REBIND_ERRSTATE, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=PURITY_CASES, reason=("changed its argument",))),
    Hostile("rebind-setitimer", "a signal.setitimer that undoes the change when the watch ends is never used",
            appended(REBIND_SETITIMER, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=PURITY_CASES, reason=("changed its argument",))),
    Hostile("undo-in-a-warning-s-text", "a warning whose text undoes the change: the arguments are copied "
            "before, and warnings are read without running the notebook's code",
            appended(UNDOING_WARNING, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=PURITY_CASES, reason=("changed its argument",))),
    Hostile("patch-catch-warnings-exit", "catch_warnings.__exit__ changed in place is found out",
            appended(PATCH_CATCH_WARNINGS_EXIT, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",))),
    Hostile("patch-errstate-exit", "np.errstate.__exit__ changed in place is found out",
            appended(PATCH_ERRSTATE_EXIT, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",))),
    Hostile("patch-filters-mutated", "warnings._filters_mutated, which catch_warnings calls on exit, replaced: "
            "found out", appended(PATCH_FILTERS_MUTATED, base=appended(UNDOING_UPDATE)),
            Expect(failed_cases=SELF_REPORTED_CASES, reason=("grader's own code",))),
    Hostile("delayed-mutation-by-a-timer", "update changes theta from a timer 50 ms after returning: the second "
            "call on the same objects waits for the threads the first one started",
            replaced("update", DELAYED_UPDATE), Expect(failed_cases=PURITY_CASES, reason=("second time",))),
    # memory no per-process limit counts
    Hostile("memory-in-memfd-and-shm", "memory files are refused and /dev/shm holds 1 MB",
            appended(probe(MEMFD_PROBE)), Expect(), verify=_verify_memfd, batch=True),
    Hostile("memory-in-forked-children", "children forked by a submission share its one memory limit",
            appended(probe(FORKED_MEMORY_PROBE)), Expect(), verify=_verify_forked_memory,
            limits={"cell_timeout": 15.0}),
    Hostile("honest-in-place-update", "the reference point of the probe cases: an in-place update, nothing else",
            replaced("update", IN_PLACE_UPDATE), Expect(failed_cases=PURITY_CASES), batch=True),
    # numerical stability is judged by the values, not by warnings a `with` block can silence
    Hostile("silenced-textbook-sigmoid", "np.errstate(over='ignore') around 1 / (1 + exp(-z)) hides the "
            "warning, not the overflow: it loses what the textbook formula loses",
            replaced("sigmoid", SILENCED_SIGMOID), Expect(failed_cases=SIGMOID_STABILITY,
                                                          reason=("exactly 0 where the true value is not",))),
    Hostile("textbook-sigmoid", "the reference point: 1 / (1 + exp(-z)) loses its stability cases",
            replaced("sigmoid", TEXTBOOK_SIGMOID), Expect(failed_cases=SIGMOID_STABILITY), batch=True),
    # values that try to pass for right ones
    Hostile("always-equal-object", "an object whose __eq__ is always True is not a number",
            wrapped_leaf("_AlwaysEqual()", setup='''
                class _AlwaysEqual:
                    def __eq__(self, other):
                        return True

                    def __ne__(self, other):
                        return False

                    def __array__(self, dtype=None, copy=None):
                        return np.zeros(3)

                    def __float__(self):
                        return 0.0
            '''), Expect(lost=(LEAF,), reason=("_AlwaysEqual",)), batch=True),
    Hostile("ndarray-subclass-liar", "an ndarray subclass travels as its raw values, whatever it overrides",
            wrapped_leaf("np.zeros_like(value).view(_Liar)", setup='''
                class _Liar(np.ndarray):
                    def __eq__(self, other):
                        return np.ones(np.shape(self), dtype=bool)

                    __ne__ = lambda self, other: np.zeros(np.shape(self), dtype=bool)

                    def __array_ufunc__(self, *args, **kwargs):
                        return np.zeros(np.shape(self))

                    def tolist(self):
                        return [0.0] * self.size
            '''), Expect(lost=(LEAF,)), batch=True),
    Hostile("ndarray-subclass-right-values", "an ndarray subclass with the right values is graded on them",
            wrapped_leaf("value.view(_Plain)", setup="class _Plain(np.ndarray):\n    pass\n"), Expect()),
    Hostile("object-array", "an array of dtype object never crosses: only plain numeric dtypes do",
            wrapped_leaf("np.array(value, dtype=object)"), Expect(lost=(LEAF,)), verify=_names_dtype("object"),
            batch=True),
    Hostile("list-of-right-values", "a list of the right numbers is graded on its values",
            wrapped_leaf("value.tolist()"), Expect()),
    Hostile("nan-values", "nan is not a value", wrapped_leaf("np.full_like(value, np.nan)"), Expect(lost=(LEAF,))),
    Hostile("inf-values", "inf is not a value", wrapped_leaf("np.full_like(value, np.inf)"), Expect(lost=(LEAF,))),
    Hostile("complex-dtype", "complex results are the wrong dtype even with zero imaginary part",
            wrapped_leaf("value.astype(complex)"), Expect(lost=(LEAF,)), verify=_names_dtype("complex")),
    Hostile("string-dtype", "an array of strings is not an array of numbers",
            wrapped_leaf("value.astype(str)"), Expect(lost=(LEAF,)), verify=_names_dtype(r"<U\d+|str")),
    Hostile("rounded-integer-dtype", "an integer array of scaled values is compared as the numbers it holds",
            wrapped_leaf("np.round(value * 1000).astype(np.int64)"), Expect(lost=(LEAF,))),
    Hostile("float32-right-values", "float32 results fail the cases that compare values, saying float64 "
            "(CURRICULUM: float64 everywhere), even where the digits are within the tolerance",
            wrapped_leaf("value.astype(np.float32)"),
            Expect(failed_cases=tuple(f"{LEAF}, N={n}, d={d}" for n, d in ((5, 2), (17, 4), (64, 7))),
                   reason=("float64",))),
    Hostile("deeply-nested-return", "a result nested too deeply is refused, not recursed into",
            wrapped_leaf("_nest(value)", setup='''
                def _nest(value):
                    for _ in range(200):
                        value = [value]
                    return value
            '''), Expect(lost=(LEAF,), reason=("cannot read|nested",))),
    Hostile("pickled-payload-returned", "a pickled payload returned or raised is never unpickled",
            appended(lambda ctx: textwrap.dedent(_pickle_payload(ctx)),
                     f"def {LEAF}({LEAF_ARGS}):\n    return _payload\n",
                     "raise RuntimeError(_payload)"),
            Expect(lost=(LEAF,)), verify=_verify_nothing_unpickled),
    Hostile("forged-object-array-on-the-wire", "a forged reply carrying a pickled object array is refused",
            appended(lambda ctx: textwrap.dedent(_forged_protocol(ctx))),
            Expect(all_lost=True, reason=("cannot read|not allowed",)), verify=_verify_nothing_unpickled),
    # definitions
    Hostile("redefined-later-wrong", "the last definition wins, as in Jupyter",
            appended(f"def {LEAF}({LEAF_ARGS}):\n    {WRONG_BODY}\n"), Expect(lost=(LEAF,)), batch=True),
    Hostile("redefined-later-right", "a wrong first attempt is replaced by a later right one",
            appended(lambda ctx: reference_sources(ctx.assignment)[LEAF],
                     base=replaced(LEAF, leaf(WRONG_BODY))), Expect(), batch=True),
    Hostile("misnamed-function", "a function under a slightly different name is not the contract function",
            replaced(LEAF, _misnamed), Expect(lost=(LEAF,), reason=(rf"{LEAF} is not defined",)), batch=True),
    Hostile("syntax-error-in-defining-cell", "a syntax error costs only what its cell defines",
            inside_defining_cell(LEAF, "def broken(:\n    pass\n"),
            Expect(lost=(LEAF,), reason=("SyntaxError in cell",)), batch=True),
    Hostile("syntax-error-own-cell", "a syntax error in a cell that defines nothing costs nothing",
            before_definition(LEAF, "this is not python (\n"), Expect(reason=("SyntaxError",)), batch=True),
]


def _verify_total_named(result: SubmissionResult) -> None:
    """A cell cut short because the submission's total time ran out must say
    so: the cell limit was not what stopped it."""
    for note in result.notes:
        if "interrupted" in note or "time limit" in note:
            assert "total time limit" in note, note


def _slow_start(ctx: Context) -> nbformat.NotebookNode:
    notebook = ctx.filled()
    first = defining_cell(notebook, ctx.assignment.questions[0].name)
    for _ in range(6):
        notebook.cells.insert(first, new_code_cell("import time\ntime.sleep(0.9)\n"))
    return notebook


BY_NAME = {case.name: case for case in CASES}


# --- two-submission cases: what one submission leaves, the next must not see --------------------

TRACE = "trace-left-by-an-earlier-submission"

LEAVE_TRACES = f'''
    import ctypes, os
    left = []
    for folder in (".", os.path.expanduser("~"), os.environ.get("TMPDIR", "."), "/tmp", "/var/tmp", "/dev/shm",
                   "/dev", "/dev/mqueue"):
        try:
            with open(os.path.join(folder, "hostile-trace.txt"), "w") as file:
                file.write("{TRACE}")
            left.append(folder)
        except OSError:
            pass
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(0x4857, 4096, 0o1666)  # IPC_CREAT | 0666: outlives the process
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        ctypes.memmove(address, b"{TRACE}", {len(TRACE)})
        left.append("sysv-shm")
    _report("left", {{"left": left}})
'''

LOOK_FOR_TRACES = f'''
    import ctypes, os, stat
    seen = []
    folders = [".", os.path.expanduser("~"), os.environ.get("TMPDIR", "."), "/tmp", "/var/tmp", "/dev/shm", "/dev",
               "/dev/mqueue"]
    try:
        folders += [entry.path for entry in os.scandir("/tmp") if entry.is_dir(follow_symlinks=False)]
    except OSError:
        pass
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False):
                    with open(entry.path, "rb") as file:
                        if b"{TRACE}" in file.read(200):
                            seen.append(entry.path)
            except OSError:
                pass
    shared = False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    segment = libc.shmget(0x4857, 0, 0)
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            shared = ctypes.string_at(address, {len(TRACE)}) == b"{TRACE}"
    _report("seen", {{"files": seen[:5], "shared_memory": shared}})
'''


def leaves_traces(ctx: Context) -> nbformat.NotebookNode:
    return appended(probe(LEAVE_TRACES))(ctx)


def looks_for_traces(ctx: Context) -> nbformat.NotebookNode:
    return appended(probe(LOOK_FOR_TRACES))(ctx)


# --- hidden test data must never reach the student ---------------------------------------------------

ECHO_INPUTS = Hostile(
    "echo-hidden-inputs", "a function that raises with its inputs in the message must not reveal hidden inputs",
    replaced(LEAF, _echo_inputs_source()), Expect(lost=(LEAF,)))
RETURN_INPUTS = Hostile(
    "return-hidden-inputs", "a function that returns its inputs must not reveal hidden test inputs",
    replaced(LEAF, leaf("return theta * 1.0 if X.shape[0] > 4 else np.zeros(3)")), Expect(lost=(LEAF,)))


def significant_numbers(values, digits: int = 4) -> set[str]:
    """Every number in ``values`` printed the ways the grader prints numbers,
    keeping only those with enough digits to identify the value."""
    import numpy as np

    out = set()
    for value in values:
        for number in np.asarray(value, dtype=float).ravel():
            if not np.isfinite(number):
                continue
            for form in (f"{number:.6g}", f"{number:.4g}", f"{number:.3g}", repr(float(number))):
                if sum(ch.isdigit() for ch in form.lstrip("-0.")) >= digits:
                    out.add(form)
    return out
