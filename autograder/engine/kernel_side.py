"""The grader's side inside a Jupyter kernel (the kernel engine, kernel.py).

``setup`` runs once in each fresh kernel. What the grader needs lives in one
hidden object of the notebook's namespace; reports on cells go to the kernel's
own stdout stream (kept from before the student could replace sys.stdout),
each on one line after a mark of this run; calls are answered over a socket
(``serve``), as the sandbox's worker answers them. Everything here reuses the
sandbox's own code (``student_code``, ``hangs``, ``integrity``, ``protocol``).
"""

from IPython import get_ipython


def setup(mark: str, memory_mb: int, file_mb: int) -> None:
    """Run once in a fresh kernel, before any cell: the grader's hooks and
    limits, and ``__autograder__`` (hidden from ``%who``) with ``serve`` and
    ``defined``. ``mark`` starts every report on the kernel's stdout."""
    import base64, json, os, resource, signal, socket, sys, types
    import numpy, matplotlib.pyplot  # loaded before the memory limit, as in the sandbox's zygote
    from autograder.engine import hangs, integrity, protocol, student_code
    from autograder.engine.hangs import CellTimeout, Watch, called_stuck, names_of, stop_stuck
    from autograder.engine.student_code import CappedWriter, answer_calls, describe_error

    # What the grader's code here relies on, before any student code runs (as in the sandbox's zygote).
    watched = integrity.snapshot((protocol, student_code, hangs, integrity), numpy,
                                 protocol.frame(integrity.TAMPERED))

    shell = get_ipython()  # the kernel's own shell
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

    def serve(address):  # as the sandbox's worker (child.serve_worker): batches of calls, until closed
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address)
            while True:
                try:
                    header, blobs = protocol.receive(sock)
                except Exception:  # the grader closed its end: the next cell may run
                    return
                stuck = header.get("stuck")
                stop_stuck(shell.user_ns, stuck if isinstance(stuck, list) else [])
                saved = sys.stdout, sys.stderr
                sys.stdout = sys.stderr = CappedWriter()
                try:
                    replies, out_blobs = answer_calls(header, blobs, shell.user_ns, state["store"])
                finally:
                    sys.stdout, sys.stderr = saved
                if not (watched[3].__code__ is watched[4] and watched[3](watched)):  # as the sandbox's worker
                    watched[5](sock, watched[6])
                protocol.send(sock, {"replies": replies}, out_blobs)
        finally:
            sock.close()

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
    shell.user_ns["__autograder__"] = types.SimpleNamespace(serve=serve, defined=defined)
    shell.user_ns_hidden["__autograder__"] = None
    send("ready", {"pid": os.getpid()})
