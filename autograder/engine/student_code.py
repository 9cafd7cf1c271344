"""Run student code in this process: one cell, or one call of a function, and
describe what happened as plain data (status, message, value, warnings).

Used by the sandboxed child processes, by the Jupyter-kernel engine and by the
in-notebook self-check. Standard library, NumPy and the wire format only.
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins (min, all, len...) must not break the
# grader's side of the conversation.
__builtins__ = dict(vars(_builtins))

import errno
import io
import signal
import sys
import time
import traceback
import types
import warnings

import numpy as np

from autograder.engine import protocol

OUTPUT_CAP = 64 * 1024


class CellTimeout(BaseException):
    """Raised in the student's code when a cell or a call runs too long."""


class CappedWriter(io.TextIOBase):
    """Keeps the first ``cap`` characters written, counts the rest."""

    def __init__(self, cap: int = OUTPUT_CAP):
        self.cap, self.parts, self.kept, self.dropped = cap, [], 0, 0

    def write(self, text) -> int:
        text = str(text)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        note = f"\n[output truncated: {self.dropped} more characters]" if self.dropped else ""
        return "".join(self.parts) + note


class Shell:
    """Stands in for IPython's shell (``get_ipython()``). Magics define what
    they define in IPython: ``%%time``, ``%%prun`` and ``%%capture`` run their
    cell in the notebook's namespace, ``%%timeit`` runs it inside a function
    (so it defines nothing), ``%%writefile`` writes its file, display magics
    (``%%html``...) show nothing; shell commands (``!``, ``%%bash``...) are not
    run and are listed in ``ignored``. A magic IPython does not know is a
    UsageError, as in IPython. ``transform.to_python`` hands over the cells of
    ``%%time``, ``%%timeit``, ``%%prun`` and ``%%capture`` as plain Python."""

    class UsageError(Exception):
        """IPython's error for a magic it does not know or cannot parse."""

    class CapturedIO:
        """What ``%%capture name`` binds ``name`` to (IPython's CapturedIO)."""

        def __init__(self, stdout: str, stderr: str):
            self.stdout, self.stderr, self.outputs = stdout, stderr, []

        def show(self) -> None:
            sys.stdout.write(self.stdout)
            sys.stderr.write(self.stderr)

        __call__ = show

        def __str__(self) -> str:
            return self.stdout

    # Magics that change nothing the notebook's code can see (display, help, configuration).
    QUIET_LINE = frozenset((
        "autoawait autocall automagic autosave clear colors config connect_info dhist dirs doctest_mode gui "
        "hist history load loadpy logoff logon logstart logstate logstop lsmagic magic matplotlib notebook page pdef "
        "pdoc pfile pinfo pinfo2 pprint precision psearch psource pycat quickref tb who who_ls whos xmode load_ext "
        "reload_ext unload_ext autoreload aimport").split())
    QUIET_CELL = frozenset("HTML SVG html svg javascript js latex markdown".split())
    # Magics that run a shell or another program, or change what the grader cannot redo here.
    OTHER_LINE = frozenset((
        "alias alias_magic bookmark cat code_wrap conda cp debug ed edit killbgscripts ldir less lf lk ll ls lx macro mamba man "
        "micromamba mkdir more mv pastebin pdb pip popd pushd qtconsole recall rehashx rep rerun reset "
        "reset_selective rm rmdir save sc store subshell sx system unalias uv").split())
    OTHER_CELL = frozenset("! bash sh script system sx perl ruby python python2 python3 pypy debug code_wrap".split())

    def __init__(self):
        self.ignored: list[str] = []
        self.extensions = False  # a %load_ext ran: magics unknown here may be the extension's

    @property
    def user_ns(self) -> dict:
        return sys.modules["__main__"].__dict__

    def run_line_magic(self, name, line, _stack_depth=1):
        frame = sys._getframe(_stack_depth)
        name, line = str(name), str(line)
        if name == "time":
            return self._exec(line, "<timed exec>", frame.f_globals, frame.f_locals) if line.strip() else None
        if name == "timeit":
            return self._timeit("", self._options(line, "n:r:tcp:qo", "%timeit"), frame.f_globals)
        if name == "prun":
            return self._profile(self._options(line, "D:l:rs:T:q", "%prun"), self.user_ns)
        if name == "pylab":
            return self._pylab(line)
        if name in ("env", "set_env"):
            return self._env(name, line)
        if name == "cd":
            import os

            os.chdir(os.path.expanduser(line.strip().strip("'\"") or "~"))
            return None
        if name == "pwd":
            import os

            return os.getcwd()
        if name == "run":
            return self._run_file(line)
        if name == "load_ext":
            self.extensions = self.extensions or line.strip() != "autoreload"
        if name in self.QUIET_LINE:
            return None
        if name in self.OTHER_LINE or self.extensions:
            self.ignored.append(f"%{name}")
            return None
        raise self.UsageError(f"Line magic function `%{name}` not found.")

    def run_cell_magic(self, magic_name, line, cell):
        frame = sys._getframe(1)
        name, line, cell = str(magic_name), str(line), str(cell)
        if name == "time":
            if line.strip():
                raise self.UsageError("Can't use statement directly after '%%time'!")
            return self._exec(cell, "<timed exec>", frame.f_globals, frame.f_locals)
        if name == "timeit":
            return self._timeit(self._options(line, "n:r:tcp:qo", "%%timeit"), cell, frame.f_globals)
        if name == "prun":
            self._options(line, "D:l:rs:T:q", "%%prun")
            return self._profile(cell, self.user_ns)
        if name == "capture":
            return self._capture(line, cell, frame.f_globals, frame.f_code.co_filename)
        if name in ("writefile", "file"):
            return self._writefile(line, cell)
        if name in self.QUIET_CELL:
            return None
        if name in self.OTHER_CELL or self.extensions:
            self.ignored.append(f"%%{name}")
            return None
        raise self.UsageError(f"Cell magic `%%{name}` not found.")

    def system(self, command, *args, **kwargs):
        self.ignored.append(f"!{command}")

    def getoutput(self, command, *args, **kwargs):
        self.ignored.append(f"!{command}")
        return []

    # --- what the magics do ---------------------------------------------------------------------------

    def _options(self, line: str, spec: str, magic: str) -> str:
        """The line without the magic's own options (as IPython's parse_options)."""
        import getopt
        import re

        words = line.split()
        try:
            _, rest = getopt.getopt(words, spec)
        except getopt.GetoptError as error:
            raise self.UsageError(f"{magic}: {error}") from None
        used = len(words) - len(rest)
        return re.sub(r"^\s*(?:\S+\s+){%d}" % used, "", line + " ", count=1).rstrip() if used else line.strip()

    def _exec(self, source: str, filename: str, globals_: dict, locals_):
        """Run source like %time: a final expression's value is returned."""
        import ast

        tree = ast.parse(source, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), globals_, locals_)
        return eval(compile(last, filename, "eval"), globals_, locals_) if last is not None else None

    def _timeit(self, setup: str, statement: str, globals_: dict) -> None:
        """IPython times the code inside a function: its names stay local to
        it (``global`` ones excepted). Run once here; timing is not graded."""
        import ast

        inner = ast.parse("def inner():\n    pass\n", "<magic-timeit>")
        inner.body[0].body = (ast.parse(setup, "<magic-timeit>").body + ast.parse(statement, "<magic-timeit>").body
                              or [ast.Pass()])
        scope: dict = {}
        exec(compile(ast.fix_missing_locations(inner), "<magic-timeit>", "exec"), globals_, scope)
        scope["inner"]()

    def _profile(self, source: str, namespace: dict) -> None:
        try:
            exec(compile(source, "<string>", "exec"), namespace, namespace)
        except SystemExit:  # IPython's profiler catches it and says so
            print("*** SystemExit exception caught in code being profiled.")

    def _capture(self, line: str, cell: str, globals_: dict, filename: str) -> None:
        """Run the cell as IPython's run_cell would, its output captured and
        any error shown, not raised (the grader's own time limit excepted)."""
        words = line.split()
        out, err = CappedWriter(), CappedWriter()
        saved = sys.stdout, sys.stderr
        if "--no-stdout" not in words:
            sys.stdout = out
        if "--no-stderr" not in words:
            sys.stderr = err
        try:
            exec(compile(cell, filename, "exec"), globals_)
        except CellTimeout:
            raise
        except BaseException as error:
            print(f"{type(error).__name__}: {error}", file=sys.stderr)
        finally:
            sys.stdout, sys.stderr = saved
        names = [word for word in words if not word.startswith("-")]
        if names:
            self.user_ns[names[0]] = self.CapturedIO(out.value(), err.value())

    def _writefile(self, line: str, cell: str) -> None:
        import os
        import shlex

        try:
            words = shlex.split(line)
        except ValueError as error:
            raise self.UsageError(f"%%writefile: {error}") from None
        append = "-a" in words or "--append" in words
        names = [word for word in words if word not in ("-a", "--append")]
        if len(names) != 1:
            raise self.UsageError("%%writefile: one file name, please")
        filename = os.path.expanduser(names[0])
        exists = os.path.exists(filename)
        with open(filename, "a" if append else "w", encoding="utf-8") as file:
            file.write(cell)
        print(f"{'Appending to' if append else 'Overwriting' if exists else 'Writing'} {filename}")

    def _pylab(self, line: str) -> None:
        """%pylab: numpy and matplotlib's names in the namespace, as IPython's import_pylab."""
        namespace = self.user_ns
        exec("import numpy\nimport matplotlib\nfrom matplotlib import pylab, mlab, pyplot\nnp = numpy\n"
             "plt = pyplot\n", namespace)
        if "--no-import-all" not in line.split():
            exec("from matplotlib.pylab import *\nfrom numpy import *\n", namespace)
        namespace["figsize"] = lambda sizex, sizey: namespace["matplotlib"].rcParams.update(
            {"figure.figsize": [sizex, sizey]})
        namespace["getfigs"] = lambda *numbers: []
        print("%pylab is deprecated, use %matplotlib inline and import the required libraries.\n"
              "Populating the interactive namespace from numpy and matplotlib")

    def _env(self, name: str, line: str):
        import os

        line = line.strip()
        if not line:
            return dict(os.environ)
        if name == "env" and "=" not in line and " " not in line:
            if line not in os.environ:
                raise self.UsageError(f"Environment does not have key: {line}")
            return os.environ[line]
        key, _, value = line.partition("=" if name == "env" and "=" in line else " ")
        os.environ[key.strip()] = value.strip()
        print(f"env: {key.strip()}={value.strip()}")
        return None

    def _run_file(self, line: str) -> None:
        """%run script.py: the script runs in a fresh namespace whose names are
        then copied into the notebook's (with -i: in the notebook's), its
        errors shown, not raised, as IPython's safe_execfile."""
        import getopt
        import os
        import shlex

        try:
            options, words = getopt.getopt(shlex.split(line), "nidtN:b:pD:l:rs:T:em:G")
        except (getopt.GetoptError, ValueError) as error:
            raise self.UsageError(f"%run: {error}") from None
        flags = {flag for flag, _ in options}
        if not words or "-m" in flags or words[0].endswith(".ipynb"):
            self.ignored.append(f"%run {line}"[:100])
            return None
        filename = os.path.expanduser(words[0])
        if not os.path.isfile(filename):
            raise Exception(f"File `{filename!r}` not found.")
        filename = os.path.realpath(filename)
        namespace = self.user_ns
        name = os.path.splitext(os.path.basename(filename))[0] if "-n" in flags else "__main__"
        program = namespace if "-i" in flags else {"__name__": name, "__file__": filename,
                                                   "__builtins__": namespace.get("__builtins__")}
        saved_argv, saved_name = sys.argv, namespace.get("__name__")
        if program is namespace:
            namespace.update(__name__=name, __file__=filename)
        sys.argv = [filename, *words[1:]]
        folder = os.path.dirname(os.path.abspath(filename))
        sys.path.insert(0, folder)
        try:
            with open(filename, "rb") as file:
                exec(compile(file.read(), filename, "exec"), program)
        except CellTimeout:
            raise
        except SystemExit as status:
            if status.code:
                print(f"SystemExit: {status.code}", file=sys.stderr)
        except BaseException as error:
            print(f"{type(error).__name__}: {error}", file=sys.stderr)
        finally:
            sys.argv = saved_argv
            if folder in sys.path:
                sys.path.remove(folder)
        if program is not namespace:
            program.pop("__name__", None)
            program.pop("__file__", None)
            namespace.update(program)
        namespace["__name__"] = saved_name
        return None


TICK = 0.25  # seconds between looks at which notebook functions are running
STUCK_SHARE = 0.9  # one call running this share of the call limit has run past it, give or take a tick


class Watch:
    """The time limit of one cell or call, like a kernel interrupt, and a look
    every TICK seconds at the notebook functions running. At the limit it can
    tell a function stuck in one call (the same frame seen for most of the
    call limit) from a function called many times: only the first is *stuck*,
    and its later calls can fail at once instead of hanging again."""

    def __init__(self, timeout: float):
        self.timeout = max(timeout, 0.001)
        self.deadline = time.monotonic() + self.timeout
        self.first_seen: dict[int, tuple[float, object]] = {}

    def __enter__(self) -> "Watch":
        signal.signal(signal.SIGALRM, self._tick)  # the student's code may have replaced the handler
        signal.setitimer(signal.ITIMER_REAL, min(TICK, self.timeout), TICK)
        return self

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _tick(self, signum, frame) -> None:
        now = time.monotonic()
        if now >= self.deadline:
            signal.setitimer(signal.ITIMER_REAL, 0)
            raise CellTimeout()
        while frame is not None:
            code = frame.f_code
            if code.co_filename.startswith("<cell") and code.co_name != "<module>":
                self.first_seen.setdefault(id(frame), (now, frame))  # the frame is kept: its id stays unique
            frame = frame.f_back

    def stuck_code(self, error: BaseException, call_limit: float):
        """The code of the innermost notebook function whose one call ran for
        (nearly) the whole call limit when ``error`` (the timeout) was raised."""
        frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
        now = time.monotonic()
        for frame in reversed(frames):
            seen = self.first_seen.get(id(frame))
            if seen and seen[1] is frame and now - seen[0] >= STUCK_SHARE * call_limit - TICK:
                return frame.f_code
        return None


def names_of(code, namespace: dict) -> list[str]:
    """The notebook's names for the function whose code this is."""
    if code is None:
        return []
    return sorted(name for name, value in list(namespace.items())
                  if isinstance(value, types.FunctionType) and value.__code__ is code)[:5]


def _stand_in(*args, **kwargs):
    raise TimeoutError("this function ran past its time limit before")


def stop_stuck(namespace: dict, names) -> None:
    """Make each named function fail at once from now on, wherever it is
    called from: its code is swapped (closures that captured the function see
    the change too) or, when that is impossible, its name rebound. A frame of
    the stand-in is named after the function, in the file ``<stuck>``."""
    for name in names:
        function = namespace.get(name) if isinstance(name, str) else None
        if not isinstance(function, types.FunctionType) or function.__code__.co_filename == "<stuck>":
            continue
        code = _stand_in.__code__.replace(co_name=name, co_qualname=name, co_filename="<stuck>")
        try:
            function.__code__ = code
        except ValueError:  # a closure's code must keep its free variables: rebind the name instead
            namespace[name] = types.FunctionType(code, namespace, name)


def called_stuck(error: BaseException) -> str | None:
    """The stuck function an error came from, if it did."""
    for frame, _ in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == "<stuck>":
            return frame.f_code.co_name
    return None


def describe_error(error: BaseException, what: str) -> str:
    """A one-paragraph reason, pointing at the student's cell and line."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell")]
    inner = frames[-1].name if frames and frames[-1].name != "<module>" else None
    if isinstance(error, NotImplementedError):
        if inner and inner != what:
            return f"{what} failed because {inner} is not implemented yet (it raises NotImplementedError)."
        return f"{what} is not implemented yet (it raises NotImplementedError)."
    if isinstance(error, MemoryError):
        return f"{what} ran out of memory (memory limit)."
    if isinstance(error, RecursionError):
        return f"{what} recursed too deeply (RecursionError)."
    if isinstance(error, BlockingIOError) or (isinstance(error, OSError) and error.errno == errno.EAGAIN):
        return f"{what} could not start another process (process limit)."
    if isinstance(error, OSError) and error.errno == errno.EFBIG:
        return f"{what} wrote a file larger than allowed (file size limit)."
    where = f" ({frames[-1].filename.strip('<>')}, line {frames[-1].lineno})" if frames else ""
    if inner and inner != what:
        where = f" in {inner}{where}"
    text = str(error)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{what} raised {type(error).__name__}{where}: {text}"


def error_kind(error: BaseException) -> str:
    """What went wrong, in the grader's own words (hidden tests show only this)."""
    for kind, test in (("not_implemented", lambda e: isinstance(e, NotImplementedError)),
                       ("memory", lambda e: isinstance(e, MemoryError)),
                       ("recursion", lambda e: isinstance(e, RecursionError)),
                       ("process_limit", lambda e: isinstance(e, OSError) and e.errno == errno.EAGAIN),
                       ("file_limit", lambda e: isinstance(e, OSError) and e.errno == errno.EFBIG)):
        if test(error):
            return kind
    return f"exception:{type(error).__name__}"


def error_place(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell")]
    return f"{frames[-1].filename.strip('<>')}, line {frames[-1].lineno}" if frames else ""


def perform_call(function, args: tuple, keep_args: bool, timeout: float | None = None,
                 namespace: dict | None = None) -> dict:
    """Call a student function and describe what happened, as plain data.
    A call past its time limit reports (``stuck_in``) and, given the
    notebook's ``namespace``, stops the function that was stuck."""
    name = getattr(function, "__name__", "the function")
    reply: dict = {"error": None, "warnings": [], "aliases": []}
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        watch = Watch(timeout) if timeout else None
        try:
            if watch:
                with watch:
                    value = function(*args)
            else:
                value = function(*args)
        except CellTimeout as error:
            reply["error"] = f"{name} did not return within {timeout:.3g} s (call time limit)."
            reply["kind"] = "timeout"
            if namespace is not None:
                reply["stuck_in"] = names_of(watch.stuck_code(error, timeout), namespace)
                stop_stuck(namespace, reply["stuck_in"])
            return reply
        except BaseException as error:  # SystemExit, KeyboardInterrupt: the student's problem, not ours
            if stuck := called_stuck(error):
                reply["error"] = (f"{name} was not run to the end: it calls {stuck}, which already ran past "
                                  f"its time limit.")
                reply["kind"], reply["stuck_in"] = "calls_stuck", [stuck]
                return reply
            reply["error"] = describe_error(error, name)
            reply["kind"], reply["where"] = error_kind(error), error_place(error)
            return reply
    reply["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught][:20]
    reply["value"] = value
    if keep_args:  # asked for by purity checks only: finding views costs time on every call
        reply["args_after"] = args
        reply["aliases"] = _aliases(value, args)
    return reply


def _aliases(value, args) -> list[str]:
    inputs = [a for a in _leaves(args) if isinstance(a, np.ndarray)]
    found = []
    for path, leaf in _paths(value, "result"):
        if isinstance(leaf, np.ndarray) and any(np.shares_memory(leaf, a) for a in inputs):
            found.append(path)
    return found


def _leaves(value):
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


def _paths(value, path):
    if type(value) in (tuple, list):
        for i, v in enumerate(value):
            yield from _paths(v, f"{path}[{i}]")
    elif type(value) is dict:
        for k, v in value.items():
            yield from _paths(v, f"{path}[{k!r}]")
    else:
        yield path, value


def run_cell(namespace: dict, source: str, index: int, timeout: float, call_limit: float | None = None) -> dict:
    """Execute one cell; a timeout interrupts it like a kernel interrupt. A
    function stuck past ``call_limit`` in one call is stopped for later cells
    and reported (``stuck_in``)."""
    out = CappedWriter()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    status, message = "ok", ""
    try:
        code = compile(source, f"<cell {index}>", "exec")
    except SyntaxError as error:
        sys.stdout, sys.stderr = saved
        return {"status": "syntax", "message": f"SyntaxError in cell {index}, line {error.lineno}: {error.msg}",
                "output": ""}
    stuck: list[str] = []
    watch = Watch(timeout)
    try:
        with watch:
            exec(code, namespace)
    except CellTimeout as error:
        status, message = "timeout", f"cell {index} was interrupted after {timeout:.3g} s (cell time limit)."
        stuck = names_of(watch.stuck_code(error, call_limit or timeout), namespace)
        stop_stuck(namespace, stuck)
    except BaseException as error:
        status, message = "error", describe_error(error, f"cell {index}")
        if called := called_stuck(error):
            message = f"cell {index} called {called}, which already ran past its time limit; the cell stopped there."
    finally:
        sys.stdout, sys.stderr = saved
    if out.dropped:
        message = (message + " " if message else "") + (
            f"cell {index} printed more than {out.cap // 1024} KB; the rest was dropped (output limit).")
    return {"status": status, "message": message, "output": out.value(), "stuck_in": stuck}


def answer_call(request: dict, blobs: list[bytes], out_blobs: list[bytes], namespace: dict,
                store: protocol.HandleStore, timeout: float | None) -> dict:
    """One call request as it arrives on the wire, answered as it leaves:
    arguments decoded, the function called, its value encoded into ``out_blobs``."""
    name = str(request.get("name"))
    try:
        args = protocol.decode(request["args"], blobs, store)
    except Exception as error:
        return {"error": f"could not receive the arguments: {error}"}
    function = namespace.get(name)
    if not callable(function):
        return {"error": f"{name} is not defined as a function in your notebook.", "kind": "undefined"}
    reply = perform_call(function, tuple(args), request.get("keep_args", False), timeout, namespace)
    mark = len(out_blobs)
    try:
        for key in ("value", "args_after"):
            if key in reply:
                reply[key] = protocol.encode(reply[key], out_blobs, store)
    except Exception as error:
        del out_blobs[mark:]
        reply = {"error": f"{name} returned a value the grader cannot read: {error}", "kind": "unreadable"}
    return reply
