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
untrusted batches. Cells are Jupyter execute requests. Calls are not: a Jupyter
round trip costs milliseconds (mlp_backprop makes hundreds), so one silent
execute request makes the kernel's main thread answer batches of calls over a
Unix socket of the grader's, in the sandbox's own wire format and framing
(``protocol``, read by ``Channel`` under the same deadlines and size limits)
until the grader closes it, before the next cell. Nothing is unpickled.

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
import select
import socket
import struct
import tempfile
import time
from queue import Empty

import zmq
from jupyter_client import BlockingKernelClient, KernelManager

from autograder.engine.channel import Channel, ProcessLost
from autograder.engine.interface import EngineError, Limits
from autograder.engine.run import GRACE, BaseRun
from autograder.engine.sandbox import MALLOC, Isolation
from autograder.messages import say

KERNEL_WARNING = ("WARNING: the kernel engine runs student code in a Jupyter kernel without a sandbox; "
                  "use it to cross-check the default engine, not for untrusted submissions.")

OUTPUT_CAP = 64 * 1024  # what a cell may print before the sandbox drops the rest (student_code.OUTPUT_CAP)
START_TIMEOUT = 60.0



class KernelEngine:
    """Opens a fresh Jupyter kernel per submission (``interface.Engine``)."""

    isolation = Isolation("kernel", KERNEL_WARNING)
    run_all_cells = False
    batch_calls = True

    def open(self, limits: Limits) -> "KernelRun":
        """A kernel for one submission, set up. EngineError if it does not start."""
        return KernelRun(limits)

    def close(self) -> None:
        """Nothing to stop: each KernelRun shuts its own kernel down."""

    def __enter__(self) -> "KernelEngine":
        return self

    def __exit__(self, *exc) -> None:
        pass


class KernelRun(BaseRun):
    """One submission's kernel, speaking for the sandbox's ``Run``: the cells
    go to the kernel where Run sends them to its template process, the calls
    where Run sends them to its worker (the kernel answering on a socket, see
    ``serve``). A kernel lost during a call is replaced by a fresh one that
    replays the cells that ran (a worker re-forked). What it decides, and
    its words, are the sandbox's own (``BaseRun``)."""

    template: "_Template"

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
        self._private = tempfile.TemporaryDirectory(prefix="kernel-calls-")  # 0700, and not the notebook's cwd
        self._address = os.path.join(self._private.name, "calls")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.km: KernelManager | None = None
        self.kc: BlockingKernelClient | None = None
        self.worker: Channel | None = None  # the calls' socket while the kernel serves them
        self._serving = ""  # the execute request the kernel serves calls in
        self._pid: int | None = None  # the kernel's own pid, as it said at setup
        try:
            self._listener.bind(self._address)
            self._listener.listen(1)
            self._start()
        except BaseException:
            self.close()
            raise
        self.started = time.monotonic()

    def _worker(self) -> Channel:
        if self.km is None:
            try:
                self._restart()
            except EngineError as error:
                raise ProcessLost(f"the notebook's kernel could not be started again: {error}") from None
        if self.worker is None:
            self.worker = self._serve()
        return self.worker

    def _drop_worker(self) -> None:
        self._shutdown()

    def close(self) -> None:
        self._end_serving()  # first: the kernel is interrupted on shutdown, better idle than in a request
        self._shutdown()
        self._listener.close()
        self._private.cleanup()
        self._folder.cleanup()

    # --- calls ------------------------------------------------------------------------------------

    def _serve(self) -> Channel:
        """Have the kernel answer calls on our socket: one silent execute
        request that lasts until ``_end_serving``. ProcessLost if the kernel
        does not connect (it died, or the request ended without serving), or
        if what connects is not the kernel's own process."""
        msg_id = self._send(f"__autograder__.serve({self._address!r})")
        deadline = time.monotonic() + min(10.0, max(self.remaining(), 0.0) + GRACE)
        while not select.select([self._listener], [], [], 0.05)[0]:
            if time.monotonic() > deadline or self.km is None or not self.km.is_alive() or self._replied(msg_id):
                self._shutdown()
                raise ProcessLost("the notebook's kernel did not start answering calls")
        connection, _ = self._listener.accept()
        credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", credentials)[0] != self._pid:
            connection.close()
            self._shutdown()
            raise ProcessLost("a process other than the notebook's kernel answered")
        self._serving = msg_id
        return Channel(connection, -1)  # the kernel is stopped through its manager, never by a pid

    def _replied(self, msg_id: str) -> bool:
        """Whether the kernel already finished the execute request ``msg_id``
        (other replies on the shell channel are of no one's interest now)."""
        if self.kc is None:
            return False
        while self.kc.shell_channel.msg_ready():
            try:
                msg = self.kc.shell_channel.get_msg(timeout=0)
            except Exception:  # Empty, or a message that does not parse
                return False
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                return True
        return False

    def _end_serving(self) -> None:
        """Close the calls' socket: the kernel's ``serve`` returns, and its
        execute request ends, so that the kernel takes the next one."""
        if self.worker is None:
            return
        self.worker.kill_channel_only()
        self.worker = None
        try:
            self._await(self._serving, GRACE)
        except ProcessLost:
            pass  # the kernel is shut down: the next request says so

    # --- the kernel ---------------------------------------------------------------------------------

    def _start(self) -> None:
        env = dict(os.environ, AUTOGRADER_CHILD="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1", **MALLOC)
        self.km = KernelManager(kernel_name="python3")
        try:
            self.km.start_kernel(cwd=self._folder.name, env=env,
                                 extra_arguments=["--HistoryManager.enabled=False", "--Application.log_level=ERROR"])
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
            setup = ("from autograder.engine.kernel_side import setup as __autograder_setup__\n"
                     f"__autograder_setup__({self._mark!r}, {self.limits.memory_mb!r}, {self.limits.file_mb!r})\n"
                     "del __autograder_setup__\n")
            _, marks, _ = self._execute(setup, START_TIMEOUT)
        except (ProcessLost, RuntimeError) as error:
            self._shutdown()
            raise EngineError(f"the Jupyter kernel did not start ({error})") from None
        if not isinstance(marks.get("ready"), dict):
            self._shutdown()
            raise EngineError("the Jupyter kernel did not start: the grader's side could not be set up")
        self._pid = marks["ready"].get("pid")
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
        if self.worker is not None:
            self.worker.kill_channel_only()
            self.worker = None
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
        return self._await(self._send(code, cell_id), timeout)

    def _send(self, code: str, cell_id: str = "") -> str:
        """Send an execute request (silent unless it is a cell); its msg_id."""
        if self.km is None or self.kc is None:
            raise ProcessLost("ended")
        content = {"code": code, "silent": not cell_id, "store_history": bool(cell_id), "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        message = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
        try:
            self.kc.shell_channel.send(message)
        except (zmq.ZMQError, AssertionError):
            self._shutdown()
            raise ProcessLost("ended") from None
        return message["header"]["msg_id"]

    def _await(self, msg_id: str, timeout: float) -> tuple[dict, dict, int]:
        """The reply to ``msg_id`` and the end of its output (see ``_execute``)."""
        if self.km is None or self.kc is None:
            raise ProcessLost("ended")
        poller = zmq.Poller()
        for channel in (self.kc.shell_channel, self.kc.iopub_channel):
            poller.register(channel.socket, zmq.POLLIN)
        deadline = time.monotonic() + timeout
        reply, idle, seen = None, False, {"printed": 0}
        marks: dict = {}
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
        self.run._end_serving()  # the kernel runs one request at a time: calls are over
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
            report["message"] = (report["message"] + " " if report.get("message") else "") + say(
                "cell_output_cap", index=index, kb=OUTPUT_CAP // 1024)
        if report.get("status") in ("ok", "error") and not replay:
            run._ran.append((index, source))
        return report


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
