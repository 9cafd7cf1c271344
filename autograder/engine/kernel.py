"""The fidelity engine: the notebook runs in a real Jupyter kernel (ipykernel).

It answers the same requests as the sandboxed engine (run a cell, list the
names, call a function) and handles what a cell or a call can do to its
process the same way, so that both give the same scores and name the same
limits: a cell past its time limit is interrupted; a cell that ignores the
interrupt or ends the kernel (os._exit, a crash, the memory limit) is named,
and the notebook is replayed without it in a fresh kernel. It is slower (a
kernel per submission) and has no sandbox, so it is for checking the fast
engine and for notebooks that need a real IPython, not for untrusted batches.
Calls cross as base64 text of the same wire format: nothing is unpickled.

Deliberate choices where Jupyter and the sandbox differ:

- ``exit()`` and ``quit()`` raise SystemExit, as in plain Python and in the
  sandbox, instead of shutting the kernel down after the cell; any other way
  of asking the kernel to exit ends it, and the cell is skipped.
- Functions get the sandbox's code names (``<cell N>``), so a traceback and a
  form check (``Vectorized``) find the cell that defined them.
- The memory and file-size limits are set on the kernel; the process limit is
  not (it counts every process of the grader's user, not only the kernel's).
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
from queue import Empty

import zmq
from jupyter_client import KernelManager

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.sandbox import Isolation
from autograder.engine.session import GRACE, EngineError, Limits, ProcessLost, call_result_from

KERNEL_WARNING = ("WARNING: the kernel engine runs student code in a Jupyter kernel without a sandbox; "
                  "use it to cross-check the default engine, not for untrusted submissions.")

MARK = "@@autograder:"
OUTPUT_CAP = 64 * 1024  # the sandbox's cap on what a cell prints (student_code.OUTPUT_CAP)
START_TIMEOUT = 60.0

# Runs inside the kernel once. Everything the grader needs lives in one hidden
# object; answers go to the kernel's own stdout stream (kept from before the
# student could replace sys.stdout), each on one line between markers.
_KERNEL_SIDE = r'''
def __autograder_setup__(memory_mb, file_mb):
    import base64, io, json, resource, signal, sys, types
    import numpy, matplotlib.pyplot  # loaded before the memory limit, as in the sandbox's zygote
    from autograder.engine import protocol
    from autograder.engine.student_code import CappedWriter, answer_call, describe_error

    shell = get_ipython()
    out = sys.stdout
    state = {"cell": None, "store": protocol.HandleStore()}

    def send(tag, data):
        out.write("@@autograder:" + tag + "@@" + base64.b64encode(json.dumps(data).encode()).decode() + "@@\n")
        out.flush()

    # Code names as in the sandbox: a function knows the cell that defined it.
    named = shell.compile.get_code_name

    def code_name(raw_code, code, number):
        if state["cell"] is None or raw_code.startswith("__autograder__."):
            return named(raw_code, code, number)
        return f"<cell {state['cell']}>"

    shell.compile.get_code_name = code_name

    def pre_run_cell(info):
        cell_id = getattr(info, "cell_id", None)
        if isinstance(cell_id, str) and cell_id.startswith("autograder:"):
            state["cell"] = int(cell_id.split(":")[1])

    def post_run_cell(result):
        index = state["cell"]
        if index is None or getattr(result.info, "cell_id", None) != f"autograder:{index}":
            return  # a cell run inside a cell (%%capture): the outer one reports
        before, during = result.error_before_exec, result.error_in_exec
        if isinstance(before, SyntaxError):
            report = {"status": "syntax", "message": f"SyntaxError in cell {index}, line {before.lineno}: {before.msg}"}
        elif before is not None or during is not None:
            error = before if before is not None else during
            report = {"status": "error", "message": describe_error(error, f"cell {index}"),
                      "exception": type(error).__name__}
        else:
            report = {"status": "ok", "message": ""}
        send("cell", report)

    def quitter(code=None, **ignored):  # plain Python's exit(), as in the sandbox: SystemExit, the kernel lives on
        raise SystemExit(code)

    def answer(request):
        header = json.loads(base64.b64decode(request))
        blobs = [base64.b64decode(b) for b in header.pop("blobs")]
        out_blobs, replies = [], []
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = CappedWriter()
        try:
            for call in header["calls"]:
                replies.append(answer_call(call, blobs, out_blobs, shell.user_ns, state["store"], header["timeout"]))
        finally:
            sys.stdout, sys.stderr = saved
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
    """One submission's kernel. A kernel that dies or stops answering during a
    call is replaced by a fresh one that replays the cells that ran."""

    def __init__(self, limits: Limits):
        self.limits = limits
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
            _, marks, _ = self._run(_KERNEL_SIDE + f"\n__autograder_setup__({self.limits.memory_mb!r}, "
                                                   f"{self.limits.file_mb!r})\ndel __autograder_setup__\n",
                                    START_TIMEOUT, interrupt=False)
        except ProcessLost as lost:
            raise EngineError(f"the Jupyter kernel did not start ({lost})") from None
        except RuntimeError as error:
            raise EngineError(f"the Jupyter kernel did not start ({error})") from None
        if "ready" not in marks:
            raise EngineError("the Jupyter kernel did not start (the grader's side could not be set up)")
        for index, source in self._ran:
            self._run(source, self.limits.cell_timeout, cell=index)

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

    def _restart(self) -> None:
        """A kernel that died or would not stop during a call: start again and
        replay the cells that ran. The time this takes is the grader's, not the
        submission's (the sandbox forks a new worker in no time)."""
        begun = time.monotonic()
        self._shutdown()
        self._start()
        self.started += time.monotonic() - begun

    def close(self) -> None:
        self._shutdown()
        self._folder.cleanup()

    # --- one execute request --------------------------------------------------------------------------

    def _run(self, code: str, timeout: float, *, cell: int | None = None,
             interrupt: bool = True) -> tuple[dict | None, dict, dict]:
        """Execute ``code`` and wait for its reply and the end of its output.

        Returns the reply's content, the grader's marks by tag, and what was
        seen (``interrupted``, ``printed`` characters). Past ``timeout`` the
        kernel is interrupted (``interrupt``) and gets GRACE seconds to stop;
        then, or at once without ``interrupt``, it is killed: ProcessLost
        ("timeout"). A kernel that dies or asks to exit: ProcessLost("ended")."""
        if self.km is None or self.kc is None:
            raise ProcessLost("ended")
        content = {"code": code, "silent": cell is None, "store_history": cell is not None, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        message = self.kc.session.msg("execute_request", content,
                                      metadata={"cellId": f"autograder:{cell}" if cell is not None else ""})
        msg_id = message["header"]["msg_id"]
        try:
            self.kc.shell_channel.send(message)
        except (zmq.ZMQError, AssertionError):
            self._shutdown()
            raise ProcessLost("ended") from None
        poller = zmq.Poller()
        poller.register(self.kc.shell_channel.socket, zmq.POLLIN)
        poller.register(self.kc.iopub_channel.socket, zmq.POLLIN)
        deadline = time.monotonic() + timeout
        reply, idle, marks, seen = None, False, {}, {"interrupted": False, "printed": 0}
        while reply is None or not idle:
            now = time.monotonic()
            if now > deadline:
                if reply is not None:  # answered, but its output never ended: enough
                    break
                if interrupt and not seen["interrupted"]:
                    seen["interrupted"] = True
                    deadline = now + GRACE
                    try:
                        self.km.interrupt_kernel()
                    except Exception:
                        pass
                    continue
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
                except Exception:  # a message that does not parse: not ours
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if channel is self.kc.shell_channel:
                    if msg["msg_type"] == "execute_reply":
                        reply = msg["content"]
                elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                    idle = True
                elif msg["msg_type"] == "stream":
                    _collect(msg["content"].get("text", ""), marks, seen)
        if any(p.get("source") == "ask_exit" and not p.get("keepkernel") for p in reply.get("payload", [])):
            self._shutdown()  # the kernel stops itself right after this reply
            raise ProcessLost("ended")
        return reply, marks, seen

    # --- the engine's requests --------------------------------------------------------------------------

    def remaining(self) -> float:
        return self.limits.total_timeout - (time.monotonic() - self.started)

    def exec_cell(self, index: int, source: str) -> dict:
        """Run one cell, as the sandbox does. ProcessLost if it ended or hung the kernel."""
        timeout = min(self.limits.cell_timeout, max(self.remaining(), 0.01))
        reply, marks, seen = self._run(source, timeout, cell=index)
        report = marks.get("cell")
        if not isinstance(report, dict):
            report = {"status": "ok", "message": ""} if reply.get("status") == "ok" else {
                "status": "error", "message": f"cell {index} raised {reply.get('ename')}: {reply.get('evalue', '')}",
                "exception": reply.get("ename")}
        stopped = report.get("exception") == "KeyboardInterrupt" or report.get("status") == "ok"
        if seen["interrupted"] and stopped:
            report = {"status": "timeout", "message": (
                f"cell {index} was interrupted after {timeout:.3g} s (cell time limit)."
                if timeout >= self.limits.cell_timeout else
                f"cell {index} was interrupted: the submission used up its total time limit "
                f"({self.limits.total_timeout:g} s).")}
        if seen["printed"] > OUTPUT_CAP:
            report["message"] = (report.get("message", "") + " " if report.get("message") else "") + (
                f"cell {index} printed more than {OUTPUT_CAP // 1024} KB; the rest was dropped (output limit).")
        if report["status"] in ("ok", "error"):
            self._ran.append((index, source))
        return {"status": report["status"], "message": report.get("message", "")}

    def defined(self, names: list[str]) -> dict:
        _, marks, _ = self._run(f"__autograder__.defined({list(map(str, names))!r})", 10, interrupt=False)
        found = marks.get("names")
        return {"names": found if isinstance(found, dict) else {}, "ignored": []}

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        return self._calls([(name, args)], keep_args)[0]

    def call_many(self, requests: list[tuple[str, tuple]]) -> list[CallResult]:
        """Several calls in one execute request (a numerical derivative's evaluations)."""
        return self._calls(requests, keep_args=False)

    def _calls(self, requests: list[tuple[str, tuple]], keep_args: bool) -> list[CallResult]:
        if self.remaining() <= 0:
            return [CallResult(error=f"not run: the submission used up its total time limit "
                                     f"({self.limits.total_timeout:g} s).") for _ in requests]
        timeout = min(self.limits.call_timeout, self.remaining())
        blobs: list[bytes] = []
        try:
            calls = [{"name": name, "args": protocol.encode(tuple(args), blobs), "keep_args": keep_args}
                     for name, args in requests]
        except TypeError as error:
            return [CallResult(error=f"could not send the arguments: {error}") for _ in requests]
        request = {"calls": calls, "timeout": timeout, "blobs": [base64.b64encode(b).decode() for b in blobs]}
        encoded = base64.b64encode(json.dumps(request).encode()).decode()
        try:
            if self.km is None:
                self._restart()
            _, marks, _ = self._run(f"__autograder__.answer({encoded!r})",
                                    min(timeout * len(calls), self.remaining()) + GRACE, interrupt=False)
        except ProcessLost as lost:
            try:
                self._restart()
            except (ProcessLost, EngineError):
                self._shutdown()
            return [self._lost(name, lost, timeout) for name, _ in requests]
        except EngineError as error:
            return [CallResult(error=f"{name} could not be called: {error}.") for name, _ in requests]
        header = marks.get("reply")
        replies = header.get("replies") if isinstance(header, dict) else None
        if not isinstance(replies, list) or len(replies) != len(requests):
            return [CallResult(error=f"{name} returned a value the grader cannot read.") for name, _ in requests]
        try:
            reply_blobs = [base64.b64decode(b) for b in header.get("blobs", [])]
        except (ValueError, TypeError):
            return [CallResult(error=f"{name} returned a value the grader cannot read.") for name, _ in requests]
        return [self._within_total_time(name, timeout, reply, call_result_from(name, reply, reply_blobs))
                for (name, _), reply in zip(requests, replies)]

    # The sandbox's words for a lost call (session.Run), so that both engines say the same.

    def _lost(self, name: str, lost: ProcessLost, timeout: float) -> CallResult:
        if str(lost) == "timeout":
            limit = ("call time limit" if timeout >= self.limits.call_timeout else
                     f"the submission's total time limit of {self.limits.total_timeout:g} s")
            return CallResult(error=f"{name} did not return within {timeout:.3g} s ({limit}).")
        return CallResult(error=f"{name} ended its process instead of returning "
                                f"(os._exit, a crash or a limit: {lost}).")

    def _within_total_time(self, name: str, timeout: float, reply, result: CallResult) -> CallResult:
        timed_out = isinstance(reply, dict) and reply.get("kind") == "timeout"
        if timed_out and timeout < self.limits.call_timeout:
            result.error = (f"{name} did not return before the submission used up its total time limit "
                            f"({self.limits.total_timeout:g} s).")
        return result


def _collect(text: str, marks: dict, seen: dict) -> None:
    """The grader's marks from a stream message; everything else is only counted."""
    start = text.find(MARK)
    while start >= 0:
        tag_end = text.find("@@", start + len(MARK))
        end = text.find("@@", tag_end + 2) if tag_end > 0 else -1
        if end < 0:
            break
        seen["printed"] += start
        try:
            marks[text[start + len(MARK):tag_end]] = json.loads(base64.b64decode(text[tag_end + 2:end]))
        except (ValueError, TypeError):
            pass
        text = text[end + 3:] if text[end + 2:end + 3] == "\n" else text[end + 2:]
        start = text.find(MARK)
    seen["printed"] += len(text)
