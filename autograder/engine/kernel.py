"""The fidelity engine: the notebook runs in a real Jupyter kernel (nbclient).

It answers the same requests as the sandboxed engine (run a cell, list the
names, call a function) so that both give the same scores; it is slower (a
kernel per submission) and has no sandbox, so it is for checking the fast
engine and for notebooks that need a real IPython, not for untrusted batches.
Calls cross as base64 text of the same wire format: nothing is unpickled.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
from dataclasses import dataclass, field

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from autograder.engine import protocol
from autograder.engine.calls import CallResult
from autograder.engine.sandbox import Isolation
from autograder.engine.session import GRACE, Limits, ProcessLost, call_result_from

KERNEL_WARNING = ("WARNING: the kernel engine runs student code in a Jupyter kernel without a sandbox; "
                  "use it to cross-check the default engine, not for untrusted submissions.")

# Runs inside the kernel once: a function that answers one call per execute request.
_KERNEL_SIDE = """
def __autograder_answer__(request):
    import base64, io, json, contextlib
    from autograder.engine import protocol
    from autograder.engine.student_code import answer_call
    global __autograder_store__
    try:
        __autograder_store__
    except NameError:
        __autograder_store__ = protocol.HandleStore()
    header = json.loads(base64.b64decode(request))
    blobs = [base64.b64decode(b) for b in header.pop("blobs")]
    out_blobs = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        reply = answer_call(header, blobs, out_blobs, get_ipython().user_ns, __autograder_store__,
                            header["timeout"])
    reply["blobs"] = [base64.b64encode(b).decode() for b in out_blobs]
    print("@@autograder@@" + base64.b64encode(json.dumps(reply).encode()).decode() + "@@")
"""


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


@dataclass
class KernelRun:
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    _ran: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="kernel-")
        self._start()

    def _start(self) -> None:
        notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                     "display_name": "Python 3"}})
        self.client = NotebookClient(notebook, kernel_name="python3", timeout=self.limits.cell_timeout,
                                     interrupt_on_timeout=True, allow_errors=True,
                                     error_on_timeout={"ename": "CellTimeout", "evalue": "", "traceback": []})
        self.client.km = self.client.create_kernel_manager()
        env = dict(os.environ, AUTOGRADER_CHILD="1", MPLBACKEND="Agg")
        self.client.start_new_kernel(cwd=self._folder.name, env=env)
        self.client.start_new_kernel_client()
        self._execute_quietly(_KERNEL_SIDE, 30)
        for index, source in self._ran:
            self._execute_cell(index, source)

    def remaining(self) -> float:
        return self.limits.total_timeout - (time.monotonic() - self.started)

    def exec_cell(self, index: int, source: str) -> dict:
        report = self._execute_cell(index, source)
        if report["status"] in ("ok", "error"):
            self._ran.append((index, source))
        return report

    def _execute_cell(self, index: int, source: str) -> dict:
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        try:
            self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        except DeadKernelError:
            raise ProcessLost("ended") from None
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        if not errors:
            return {"status": "ok", "message": ""}
        error = errors[0]
        if error.get("ename") == "CellTimeout":
            return {"status": "timeout",
                    "message": f"cell {index} was interrupted after {self.limits.cell_timeout:g} s (cell time limit)."}
        if error.get("ename") == "SyntaxError":
            return {"status": "syntax", "message": f"SyntaxError in cell {index}: {error.get('evalue', '')}"}
        return {"status": "error", "message": f"cell {index} raised {error.get('ename')}: {error.get('evalue', '')}"}

    def defined(self, names: list[str]) -> dict:
        code = ("import json as __j\nprint('@@autograder@@' + __j.dumps({n: {'callable': callable(globals().get(n)), "
                "'file': getattr(getattr(globals().get(n), '__code__', None), 'co_filename', None)} "
                f"for n in {names!r}}}) + '@@')")
        text = self._execute_quietly(code, 10)
        return {"names": json.loads(_payload(text) or "{}"), "ignored": []}

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        if self.remaining() <= 0:
            return CallResult(error=f"not run: the submission used up its total time limit "
                                    f"({self.limits.total_timeout:g} s).")
        timeout = min(self.limits.call_timeout, self.remaining())
        blobs: list[bytes] = []
        request = {"name": name, "args": protocol.encode(tuple(args), blobs), "keep_args": keep_args,
                   "timeout": timeout, "blobs": [base64.b64encode(b).decode() for b in blobs]}
        encoded = base64.b64encode(json.dumps(request).encode()).decode()
        try:
            text = self._execute_quietly(f"__autograder_answer__({encoded!r})", timeout + GRACE)
        except ProcessLost:
            return CallResult(error=f"{name} did not return within {timeout:g} s (call time limit).")
        payload = _payload(text)
        if payload is None:
            return CallResult(error=f"{name} ended its process instead of returning.")
        try:
            header = json.loads(base64.b64decode(payload))
            reply_blobs = [base64.b64decode(b) for b in header.pop("blobs", [])]
        except (ValueError, TypeError, AttributeError):
            return CallResult(error=f"{name} returned a value the grader cannot read.")
        return call_result_from(name, header, reply_blobs)

    def _execute_quietly(self, code: str, timeout: float) -> str:
        chunks: list[str] = []

        def collect(message):
            if message["msg_type"] == "stream":
                chunks.append(message["content"].get("text", ""))

        try:
            run_sync(self.client.kc.execute_interactive)(code, timeout=timeout, output_hook=collect,
                                                         allow_stdin=False, store_history=False)
        except TimeoutError:
            self.client.km.interrupt_kernel()
            self._restart()
            raise ProcessLost("timeout") from None
        return "".join(chunks)

    def _restart(self) -> None:
        """A kernel that died or would not stop: start again and replay the cells that ran."""
        self._shutdown()
        self._start()

    def _shutdown(self) -> None:
        try:
            self.client.kc.stop_channels()
            run_sync(self.client.km.shutdown_kernel)(now=True)
        except Exception:  # already dead
            pass

    def close(self) -> None:
        self._shutdown()
        self._folder.cleanup()


def _payload(text: str) -> str | None:
    start = text.rfind("@@autograder@@")
    if start < 0:
        return None
    end = text.find("@@", start + len("@@autograder@@"))
    return text[start + len("@@autograder@@"):end] if end > 0 else None
