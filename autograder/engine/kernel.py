"""The fidelity engine: the notebook runs in a real Jupyter kernel (ipykernel).

It answers the same requests as the sandboxed engine and handles what a cell
or a call does to its process the same way, so that both give the same scores
and name the same limits. The part that decides (``session.Run``: time left,
functions stuck past the call limit, the words of every message) is the
sandbox's own, reused as is; only the transport differs. The kernel side keeps
the sandbox's rules too (``student_code``): a cell or a call past its time
limit is stopped by the same watch, a function stuck in one call is stopped for
good. A cell that ignores the time limit, ends the kernel (``os._exit``, a
crash, the memory limit) or asks it to exit is named and skipped, and the
notebook is replayed without it in a fresh kernel (``execute.py``, as for the
sandbox); a call that does so costs that call, and a fresh kernel replays the
cells that ran before the next one.

It is slower (a kernel per submission) and has no sandbox, so it is for
checking the fast engine and for notebooks that need a real IPython, not for
untrusted batches. Calls cross as base64 text of the same wire format: nothing
is unpickled.

Deliberate choices where Jupyter and the sandbox differ:

- ``exit()`` and ``quit()`` raise SystemExit, as in plain Python and in the
  sandbox, instead of shutting the kernel down once the cell is done.
- Functions get the sandbox's code names (``<cell N>``), so error places and
  the form check (``Vectorized``) find the cell that defined them.
- The memory and file-size limits are set on the kernel; the process limit is
  not (it counts every process of the grader's user, not only the kernel's).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import time
from queue import Empty

import zmq
from jupyter_client import KernelManager

from autograder.engine.sandbox import Isolation
from autograder.engine.session import GRACE, EngineError, Limits, ProcessLost, Run

KERNEL_WARNING = ("WARNING: the kernel engine runs student code in a Jupyter kernel without a sandbox; "
                  "use it to cross-check the default engine, not for untrusted submissions.")

OUTPUT_CAP = 64 * 1024  # what a cell may print before the sandbox drops the rest (student_code.OUTPUT_CAP)
START_TIMEOUT = 60.0

# Runs inside the kernel once. What the grader needs lives in one hidden
# object; answers go to the kernel's own stdout stream (kept from before the
# student could replace sys.stdout), each on one line after a mark of this run.
_KERNEL_SIDE = r'''
def __autograder_setup__(mark, memory_mb, file_mb):
    import base64, json, resource, signal, sys, types
    import numpy, matplotlib.pyplot  # loaded before the memory limit, as in the sandbox's zygote
    from autograder.engine import hangs, integrity, protocol, student_code
    from autograder.engine.hangs import CellTimeout, Watch, called_stuck, names_of, stop_stuck
    from autograder.engine.student_code import CappedWriter, answer_call, describe_error

    # What the grader's code here relies on, before any student code runs (as in the sandbox's zygote).
    watched = integrity.snapshot((protocol, student_code, hangs, integrity), numpy, b"")

    shell = get_ipython()
    out = sys.stdout
    state = {"cell": None, "watch": None, "store": protocol.HandleStore()}

    def send(tag, data):
        out.write(mark + tag + "@@" + base64.b64encode(json.dumps(data).encode()).decode() + "@@\n")
        out.flush()

    # Code names as in the sandbox: a function knows the cell that defined it.
    named = shell.compile.get_code_name

    def code_name(raw_code, code, number):
        if state["cell"] is None or raw_code.startswith("__autograder__."):
            return named(raw_code, code, number)
        return f"<cell {state['cell'][0]}>"

    shell.compile.get_code_name = code_name

    # A cell runs under the sandbox's watch (student_code.run_cell): its time
    # limit, and the functions found stuck in one call when it runs out.
    def pre_run_cell(info):
        cell_id = getattr(info, "cell_id", None)
        if isinstance(cell_id, str) and cell_id.startswith("autograder:"):
            _, index, timeout, call_limit = cell_id.split(":")
            state["cell"] = (int(index), float(timeout), float(call_limit), cell_id)
            state["watch"] = Watch(float(timeout)).__enter__()

    def post_run_cell(result):
        if state["cell"] is None or getattr(result.info, "cell_id", None) != state["cell"][3]:
            return  # a cell run inside a cell (%%capture): the outer one reports
        index, timeout, call_limit, _ = state["cell"]
        watch, state["watch"] = state["watch"], None
        if watch is not None:
            watch.__exit__(None, None, None)
        before, during = result.error_before_exec, result.error_in_exec
        error = before if before is not None else during
        report = {"status": "ok", "message": "", "stuck_in": []}
        if isinstance(before, SyntaxError):
            report.update(status="syntax", message=f"SyntaxError in cell {index}, line {before.lineno}: {before.msg}")
        elif isinstance(error, CellTimeout):
            report.update(status="timeout", message=f"cell {index} was interrupted after {timeout:.3g} s "
                                                    f"(cell time limit).")
            if watch is not None:
                report["stuck_in"] = names_of(watch.stuck_code(error, call_limit), shell.user_ns)
                stop_stuck(shell.user_ns, report["stuck_in"])
        elif error is not None:
            report.update(status="error", message=describe_error(error, f"cell {index}"),
                          exception=type(error).__name__)
            if called := called_stuck(error):
                report["message"] = (f"cell {index} called {called}, which already ran past its time limit; "
                                     "the cell stopped there.")
        send("cell", report)

    def quitter(code=None, **ignored):  # plain Python's exit(), as in the sandbox: the kernel lives on
        raise SystemExit(code)

    def answer(request):  # as the sandbox's worker (child.serve_worker): one batch of calls
        header = json.loads(base64.b64decode(request))
        blobs = [base64.b64decode(b) for b in header.pop("blobs")]
        stuck = header.get("stuck")
        stop_stuck(shell.user_ns, stuck if isinstance(stuck, list) else [])
        out_blobs, replies, received = [], [], []
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = CappedWriter()
        try:
            for call in header["calls"]:
                replies.append(answer_call(call, blobs, out_blobs, shell.user_ns, state["store"],
                                           header.get("timeout"), received))
        finally:
            sys.stdout, sys.stderr = saved
        if not (watched[3].__code__ is watched[4] and watched[3](watched)):  # as the sandbox's worker
            send("tampered", {})
        send("reply", {"replies": replies, "blobs": [base64.b64encode(b).decode() for b in out_blobs]})

    def defined(names):
        found = {}
        for name in names:
            value = shell.user_ns.get(name)
            code = getattr(value, "__code__", None)
            found[name] = {"callable": callable(value), "file": getattr(code, "co_filename", None)}
        send("names", found)

    def cap(kind, value):
        hard = resource.getrlimit(kind)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))

    if memory_mb:
        with open("/proc/self/status") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        cap(resource.RLIMIT_AS, size + memory_mb * 2**20)
    if file_mb:
        cap(resource.RLIMIT_FSIZE, file_mb * 2**20)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    shell.events.register("pre_run_cell", pre_run_cell)
    shell.events.register("post_run_cell", post_run_cell)
    shell.user_ns["exit"] = shell.user_ns["quit"] = quitter
    shell.user_ns["__autograder__"] = types.SimpleNamespace(answer=answer, defined=defined)
    shell.user_ns_hidden["__autograder__"] = None
    send("ready", {})
'''


class KernelEngine:
    isolation = Isolation("kernel", KERNEL_WARNING)

    def open(self, limits: Limits) -> "KernelRun":
        return KernelRun(limits)

    def cleanup(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "KernelEngine":
        return self

    def __exit__(self, *exc) -> None:
        pass


class KernelRun:
    """One submission's kernel, speaking for the sandbox's ``Run``: the cells
    go to the kernel where Run sends them to its template process, the calls
    where Run sends them to its worker. A kernel lost during a call is replaced
    by a fresh one that replays the cells that ran (a worker re-forked)."""

    # The sandbox's logic and words, unchanged: they use only limits, remaining(),
    # stuck, contract, template.request, _worker() and _drop_worker(), all defined here.
    exec_cell = Run.exec_cell
    defined = Run.defined
    call = Run.call
    call_many = Run.call_many
    call_twice = Run.call_twice
    _calls = Run._calls
    refusal = Run.refusal
    _stuck_call = Run._stuck_call
    _lost = Run._lost
    _within_total_time = Run._within_total_time

    def __init__(self, limits: Limits):
        self.limits = limits
        self.contract: frozenset[str] = frozenset()
        self.stuck: dict[str, str] = {}
        self.notes: list[str] = []
        self.tampered = False
        self.template = _Template(self)
        self._mark = f"@@autograder-{secrets.token_hex(8)}:"  # what the student's own output cannot guess
        self._ran: list[tuple[int, str]] = []
        self._folder = tempfile.TemporaryDirectory(prefix="kernel-")
        self.km: KernelManager | None = None
        self.kc = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        self.started = time.monotonic()

    def remaining(self) -> float:
        return self.limits.total_timeout - (time.monotonic() - self.started)

    def _worker(self) -> "_Worker":
        if self.km is None:
            try:
                self._restart()
            except EngineError as error:
                raise ProcessLost(f"the notebook's kernel could not be started again: {error}") from None
        return _Worker(self)

    def _drop_worker(self) -> None:
        self._shutdown()

    def close(self) -> None:
        self._shutdown()
        self._folder.cleanup()

    # --- the kernel ---------------------------------------------------------------------------------

    def _start(self) -> None:
        env = dict(os.environ, AUTOGRADER_CHILD="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
        self.km = KernelManager(kernel_name="python3")
        try:
            self.km.start_kernel(cwd=self._folder.name, env=env,
                                 extra_arguments=["--HistoryManager.enabled=False", "--Application.log_level=ERROR"])
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
            setup = (f"{_KERNEL_SIDE}\n__autograder_setup__({self._mark!r}, {self.limits.memory_mb!r}, "
                     f"{self.limits.file_mb!r})\ndel __autograder_setup__\n")
            _, marks, _ = self._execute(setup, START_TIMEOUT)
        except (ProcessLost, RuntimeError) as error:
            self._shutdown()
            raise EngineError(f"the Jupyter kernel did not start ({error})") from None
        if "ready" not in marks:
            self._shutdown()
            raise EngineError("the Jupyter kernel did not start: the grader's side could not be set up")
        for index, source in self._ran:
            try:
                self.template.cell(index, source, self.limits.cell_timeout, self.limits.call_timeout, replay=True)
            except ProcessLost:
                self._shutdown()
                raise EngineError(f"cell {index} did not run again as it did before") from None

    def _restart(self) -> None:
        """Start again and replay the cells that ran. The time this takes is the
        grader's, not the submission's: the sandbox forks a worker in no time."""
        begun = time.monotonic()
        self._shutdown()
        self._start()
        self.started += time.monotonic() - begun

    def _shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
            self.kc = None
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # already dead
                pass
            self.km = None

    def _execute(self, code: str, timeout: float, *, cell_id: str = "") -> tuple[dict, dict, int]:
        """Execute ``code``; wait for its reply and the end of its output.

        Returns the reply's content, the grader's marks by tag and how many
        characters the code printed. The time limits are the kernel side's
        (``hangs.Watch``, as in the sandbox); a kernel that has not
        answered after ``timeout`` seconds ignored them and is killed, as the
        sandbox kills its process: ProcessLost("timeout"). A kernel that dies
        or asks to exit: ProcessLost("ended")."""
        if self.km is None or self.kc is None:
            raise ProcessLost("ended")
        content = {"code": code, "silent": not cell_id, "store_history": bool(cell_id), "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        message = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
        msg_id = message["header"]["msg_id"]
        try:
            self.kc.shell_channel.send(message)
        except (zmq.ZMQError, AssertionError):
            self._shutdown()
            raise ProcessLost("ended") from None
        poller = zmq.Poller()
        for channel in (self.kc.shell_channel, self.kc.iopub_channel):
            poller.register(channel.socket, zmq.POLLIN)
        deadline = time.monotonic() + timeout
        reply, idle, marks, seen = None, False, {}, {"printed": 0}
        while reply is None or not idle:
            if time.monotonic() > deadline:
                if reply is not None:  # answered, but its output never ended: enough
                    break
                self._shutdown()
                raise ProcessLost("timeout")
            ready = dict(poller.poll(50))
            if not ready and not self.km.is_alive():
                self._shutdown()
                raise ProcessLost("ended")
            for channel in (self.kc.iopub_channel, self.kc.shell_channel):
                if channel.socket not in ready:
                    continue
                try:
                    msg = channel.get_msg(timeout=0)
                except Empty:
                    continue
                except Exception:  # a message that does not parse is not an answer
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if channel is self.kc.shell_channel:
                    if msg["msg_type"] == "execute_reply":
                        reply = msg["content"]
                elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                    idle = True
                elif msg["msg_type"] == "stream":
                    _collect(msg["content"].get("text", ""), self._mark, marks, seen)
        if any(p.get("source") == "ask_exit" and not p.get("keepkernel") for p in reply.get("payload", [])):
            self._shutdown()  # the kernel stops itself right after this reply
            raise ProcessLost("ended")
        return reply, marks, seen["printed"]


class _Template:
    """Where ``Run`` asks its template process to run a cell or list names."""

    def __init__(self, run: KernelRun):
        self.run = run

    def request(self, header: dict, blobs=(), timeout: float | None = None):
        if header.get("op") == "exec":
            return self.cell(header["cell"], header["source"], header["timeout"],
                             header.get("call_limit") or header["timeout"], timeout), []
        if header.get("op") == "names":
            names = [str(name) for name in header.get("names", [])]
            _, marks, _ = self.run._execute(f"__autograder__.defined({names!r})", timeout or 10)
            found = marks.get("names")
            return {"names": found if isinstance(found, dict) else {}, "ignored": []}, []
        raise ProcessLost(f"cannot do {header.get('op')!r}")

    def cell(self, index: int, source: str, timeout: float, call_limit: float | None = None,
             wait: float | None = None, replay: bool = False) -> dict:
        """Run one cell under the sandbox's time limit; ``wait`` (more than the
        limit) for it to stop before the kernel is killed. The report is the
        sandbox's (student_code.run_cell)."""
        run = self.run
        reply, marks, printed = run._execute(source, wait or timeout + GRACE,
                                             cell_id=f"autograder:{int(index)}:{timeout!r}:{call_limit or timeout!r}")
        report = marks.get("cell")
        if not isinstance(report, dict):  # the notebook broke the kernel side's hooks
            report = {"status": "ok", "message": ""} if reply.get("status") == "ok" else {
                "status": "error", "message": f"cell {index} raised {reply.get('ename')}: {reply.get('evalue', '')}",
                "exception": reply.get("ename")}
        if printed > OUTPUT_CAP:
            report["message"] = (report["message"] + " " if report.get("message") else "") + (
                f"cell {index} printed more than {OUTPUT_CAP // 1024} KB; the rest was dropped (output limit).")
        if report.get("status") in ("ok", "error") and not replay:
            run._ran.append((index, source))
        return report


class _Worker:
    """Where ``Run`` sends a batch of calls to its worker process."""

    def __init__(self, run: KernelRun):
        self.run = run
        self.tampered = False

    def request(self, header: dict, blobs=(), timeout: float | None = None):
        request = dict(header, blobs=[base64.b64encode(b).decode() for b in blobs])
        encoded = base64.b64encode(json.dumps(request).encode()).decode()
        _, marks, _ = self.run._execute(f"__autograder__.answer({encoded!r})", timeout or 10)
        self.tampered = self.tampered or "tampered" in marks
        reply = marks.get("reply")
        if not isinstance(reply, dict):
            raise ProcessLost("sent an unreadable reply (none)")
        try:
            reply_blobs = [base64.b64decode(b) for b in reply.pop("blobs", [])]
        except (ValueError, TypeError) as error:
            raise ProcessLost(f"sent an unreadable reply ({error})") from None
        return reply, reply_blobs


def _collect(text: str, mark: str, marks: dict, seen: dict) -> None:
    """What the kernel side sent after ``mark`` in a stream message, by tag;
    everything else is only counted."""
    start = text.find(mark)
    while start >= 0:
        tag_end = text.find("@@", start + len(mark))
        end = text.find("@@", tag_end + 2) if tag_end > 0 else -1
        if end < 0:
            break
        seen["printed"] += start
        try:
            marks[text[start + len(mark):tag_end]] = json.loads(base64.b64decode(text[tag_end + 2:end]))
        except (ValueError, TypeError):
            pass
        text = text[end + 3:] if text[end + 2:end + 3] == "\n" else text[end + 2:]
        start = text.find(mark)
    seen["printed"] += len(text)
