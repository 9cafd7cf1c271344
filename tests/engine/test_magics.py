"""Magics define in the sandbox what they define in IPython.

The oracle is a real Jupyter kernel (ipykernel, through the kernel engine),
given each cell's raw source, exactly as Run All would. The sandboxed engine
gets the same cells through its own path (``transform.to_python`` and the
stand-in shell). Both must leave the same names defined, as functions, in the
same files, and give each cell the same status.
"""

from __future__ import annotations

import pytest

from autograder.engine.execute import execute_notebook
from autograder.engine.kernel import KernelEngine
from autograder.engine.session import Limits
from autograder.notebook.read import CodeCell
from autograder.notebook.transform import to_python

LIMITS = Limits(cell_timeout=20, call_timeout=20, total_timeout=300)

# (cell, names it may define). Every name is unique to its cell and, where
# defined, a function: the engines report whether a name is a callable.
CELLS = [
    ("%%time\ndef time_cell():\n    return 1\ntime_value = lambda: 2\ntime_value()\n", ["time_cell", "time_value"]),
    ("%%time\n%matplotlib inline\ndef time_after_line_magic():\n    return 1\n", ["time_after_line_magic"]),
    ("%%time extra\ndef time_with_statement():\n    return 1\n", ["time_with_statement"]),
    ("%%prun -q\ndef prun_cell():\n    return 1\n", ["prun_cell"]),
    ("%%prun -s cumulative -q -l 3\ndef prun_options():\n    return 1\nprun_options()\n", ["prun_options"]),
    ("%%capture\ndef capture_cell():\n    return 1\nprint('hidden')\n", ["capture_cell"]),
    ("%%capture captured_output --no-stderr\ndef capture_named():\n    return 1\nprint('kept')\n",
     ["capture_named", "captured_output"]),
    ("%%capture\ndef capture_before_error():\n    return 1\n1 / 0\ndef capture_after_error():\n    return 2\n",
     ["capture_before_error", "capture_after_error"]),
    ("%%timeit -n1 -r1\ndef timeit_cell():\n    return 1\ntimeit_value = lambda: 2\n", ["timeit_cell", "timeit_value"]),
    ("%%timeit -n1 -r1 timeit_setup = lambda: 3\ntimeit_setup()\n", ["timeit_setup"]),
    ("%%timeit -n1 -r1\nglobal timeit_global\ndef timeit_global():\n    return 1\n", ["timeit_global"]),
    ("%%writefile written_module.py\ndef from_written_file():\n    return 1\n", ["from_written_file"]),
    ("%%writefile -a written_module.py\n\ndef appended_to_file():\n    return 2\n", ["appended_to_file"]),
    ("with open('written_module.py') as _file:\n    _text = _file.read()\n"
     "if _text == 'def from_written_file():\\n    return 1\\n\\ndef appended_to_file():\\n    return 2\\n':\n"
     "    def writefile_wrote_it():\n        return 1\n", ["writefile_wrote_it"]),
    ("%run written_module.py\n", ["from_written_file", "appended_to_file"]),
    ("%run no_such_script.py\ndef after_missing_script():\n    return 1\n", ["after_missing_script"]),
    ("%%html\n<b>def html_cell(): pass</b>\n", ["html_cell"]),
    ("%%HTML\n<i>x</i>\n", []),
    ("%%markdown\n# def markdown_cell(): pass\n", ["markdown_cell"]),
    ("%%latex\n$\\frac{1}{2}$\n", []),
    ("%%javascript\nconsole.log('def javascript_cell')\n", []),
    ("%%js\nconsole.log(1)\n", []),
    ("%%svg\n<svg xmlns='http://www.w3.org/2000/svg'></svg>\n", []),
    ("%%bash\necho def bash_cell\n", ["bash_cell"]),
    ("%%sh\necho sh\n", []),
    ("%%script sh\necho script\n", []),
    ("%%system\necho system\n", []),
    ("%%sx\necho sx\n", []),
    ("%%python3\ndef python3_cell():\n    return 1\n", ["python3_cell"]),
    ("%%nosuchmagic\ndef unknown_cell_magic():\n    return 1\n", ["unknown_cell_magic"]),
    ("%nosuchmagic\ndef after_unknown_line_magic():\n    return 1\n", ["after_unknown_line_magic"]),
    ("%time line_time = lambda: 1\n", ["line_time"]),
    ("%time\n", []),
    ("%timeit -n1 -r1 line_timeit = lambda: 1\n", ["line_timeit"]),
    ("%prun -q line_prun = lambda: 1\n", ["line_prun"]),
    ("%matplotlib inline\n%config InlineBackend.figure_format = 'png'\ndef after_matplotlib():\n    return 1\n",
     ["after_matplotlib"]),
    ("%load_ext autoreload\n%autoreload 2\ndef after_autoreload():\n    return 1\n", ["after_autoreload"]),
    ("%env MAGIC_TEST_VARIABLE=on\nimport os\nif os.environ.get('MAGIC_TEST_VARIABLE') == 'on':\n"
     "    def env_was_set():\n        return 1\n", ["env_was_set"]),
    ("%who\n%whos\n%lsmagic\n%precision 3\n%xmode Plain\ndef after_introspection():\n    return 1\n",
     ["after_introspection"]),
    ("%pylab inline\n", ["np", "plt", "linspace", "figsize", "getfigs"]),
]


def names_defined(run, names):
    found = run.defined(names)["names"]
    return {name: (bool(where["callable"]), _file(where["file"])) for name, where in found.items()}


def _file(name):
    """A code name (``<cell 3>``) as it is; a real file as such: each engine has its own folder, and the
    stand-ins of IPython's helpers (``figsize``) live in the grader's files."""
    return name if name is None or name.startswith("<") else "(a file)"


@pytest.fixture(scope="module")
def kernel_results():
    """Every cell in one real kernel, from its raw source, as Run All would."""
    run = KernelEngine().open(LIMITS)
    try:
        reports = [run.exec_cell(index, source)["status"] for index, (source, _) in enumerate(CELLS, start=1)]
        return reports, names_defined(run, sorted({n for _, names in CELLS for n in names}))
    finally:
        run.close()


def test_magics_define_what_ipython_defines(kernel_results, engine):
    kernel_reports, kernel_names = kernel_results
    run, reports = execute_notebook(engine, [CodeCell(i, s) for i, (s, _) in enumerate(CELLS, start=1)], LIMITS)
    try:
        names = names_defined(run, sorted(kernel_names))
    finally:
        run.close()
    for index, (source, cell_names) in enumerate(CELLS, start=1):
        first = source.splitlines()[0]
        expected = {n: kernel_names[n] for n in cell_names}
        assert {n: names[n] for n in cell_names} == expected, f"cell {index} ({first}) defines other names"
    statuses = {first_line: (k, r.status) for (first_line, k, r) in
                ((s.splitlines()[0], k, r) for (s, _), k, r in zip(CELLS, kernel_reports, reports)) if k != r.status}
    # The one deliberate difference: the sandbox runs no shell, so a failing shell script cannot fail its cell.
    assert statuses == {}, statuses


def test_the_oracle_is_not_trivial(kernel_results):
    """IPython does define some names and not others: the comparison means something."""
    _, names = kernel_results
    assert names["time_cell"][0] and names["prun_cell"][0] and names["capture_cell"][0]
    assert names["captured_output"][0] and names["timeit_global"][0] and names["writefile_wrote_it"][0]
    assert names["from_written_file"][0] and names["env_was_set"][0] and names["linspace"][0]
    assert not any(names[n][0] for n in ("timeit_cell", "timeit_value", "timeit_setup", "html_cell", "bash_cell",
                                         "python3_cell", "unknown_cell_magic", "after_unknown_line_magic",
                                         "capture_after_error", "time_with_statement", "line_timeit"))


@pytest.mark.parametrize("source, python", [
    ("%%time\n%matplotlib inline\nx = 1\n",
     "get_ipython().run_cell_magic('time', '', \"get_ipython().run_line_magic('matplotlib', 'inline')\\nx = 1\\n\")\n"),
    ("%%bash\necho hi\n", "get_ipython().run_cell_magic('bash', '', 'echo hi\\n')\n"),
    ("%%writefile f.py\n!ls\n", "get_ipython().run_cell_magic('writefile', 'f.py', '!ls\\n')\n"),
])
def test_python_cells_of_magics_are_transformed_too(source, python):
    assert to_python(source) == python
