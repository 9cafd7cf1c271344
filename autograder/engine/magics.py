"""IPython's shell as the sandbox stands it in: ``get_ipython()`` for cells
that use magics, shell commands or the shell's namespace. Runs in the
student's process (``transform.to_python`` hands it the magics' cells).
"""

from __future__ import annotations

import builtins as _builtins

# A private copy of the builtins for this module's functions: student code in
# the same process that patches builtins (min, all, len...) must not break the
# grader's side of the conversation.
__builtins__ = dict(vars(_builtins))

import sys

from autograder.engine.hangs import CellTimeout
from autograder.engine.student_code import CappedWriter


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
