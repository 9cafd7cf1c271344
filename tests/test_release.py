"""The student release holds nothing hidden, and works with only the package
installed: a wheel in a fresh virtual environment, check() in a real kernel."""

import ast
import base64
import inspect
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.checks.kinds import Matches
from autograder.course import assignment_names, load_assignment, notebook_path
from autograder.notebook.build import filled_notebook
from autograder.release import ReleaseError, release
from autograder.spec import Seeded

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def bundle_text(folder: Path) -> tuple[bytes, str]:
    """All bytes of a bundle, and its text with each notebook cell's source as
    written (not JSON-escaped) and its code as ``ast.unparse`` writes it."""
    raw, pieces = b"", []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        raw += data
        text = data.decode("utf-8", errors="replace")
        sources = [text]
        if path.suffix == ".ipynb":
            sources = ["".join(cell["source"]) for cell in json.loads(text)["cells"]]
        for source in sources:
            pieces.append(source)
            try:
                pieces.append(ast.unparse(ast.parse(source)))
            except SyntaxError:
                pass
    return raw, "\n".join(pieces)


def reference_statements(assignment) -> dict[str, list[str]]:
    """Each reference function's statements after its docstring, unparsed."""
    found = {}
    for name, function in assignment.reference.items():
        node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        found[name] = [ast.unparse(statement) for statement in body]
    return found


def hidden_expectations(assignment) -> list[np.ndarray]:
    """The reference's results on the inputs of hidden value cases."""
    arrays = []
    for question in assignment.questions:
        for case in question.cases:
            if case.hidden and isinstance(case.check, Matches) and isinstance(case.check.call, str) \
                    and isinstance(case.inputs, Seeded):
                try:  # some inputs are code for the student's process to run: not values to search for
                    value = assignment.reference[case.check.call](*case.inputs.make())
                except TypeError:
                    continue
                parts = value if isinstance(value, tuple) else (value,)
                for part in [v for p in parts for v in (p.values() if isinstance(p, dict) else (p,))]:
                    try:
                        part = np.asarray(part, dtype=float)
                    except (TypeError, ValueError):
                        continue
                    if part.size >= 2:
                        arrays.append(part)
    return arrays


def leaks(folder: Path, assignment) -> list[str]:
    """Everything hidden that the bundle's bytes hold."""
    raw, text = bundle_text(folder)
    squeezed = "".join(text.split())
    found = []
    for name, statements in reference_statements(assignment).items():
        whole = "".join("\n".join(statements).split())
        if whole in squeezed:
            found.append(f"body of {name}")
        pairs = ["".join((a + b).split()) for a, b in zip(statements, statements[1:])]  # any two lines in a row
        found += [f"{name}: two statements {pair[:60]}" for pair in pairs if len(pair) >= 40 and pair in squeezed]
    public = [c.name for q in assignment.questions for c in q.cases if not c.hidden]
    rest = text
    for name in sorted(public, key=len, reverse=True):
        rest = rest.replace(name, "")
    found += [f"hidden case {c.name!r}" for q in assignment.questions for c in q.cases
              if c.hidden and c.name not in public and c.name in rest]
    for array in hidden_expectations(assignment):
        if array.tobytes() in raw or base64.b64encode(array.tobytes())[:40] in raw:
            found.append(f"bytes of an expected array {array.shape}")
        digits = [repr(float(x)) for x in array.ravel()[:4]] + [f"{x:.6f}" for x in array.ravel()[:4]]
        found += [f"digits {d}" for d in digits if len(d.lstrip("-0.")) >= 6 and d in text]
    return found


@pytest.mark.parametrize("name", assignment_names(ROOT))
def test_a_bundle_holds_the_notebook_and_public_tests_and_nothing_hidden(name, tmp_path):
    assignment = load_assignment(name, ROOT)
    files = release(name, tmp_path / name, ROOT)
    assert {p.name for p in files} >= {f"{name}.ipynb", "public_tests.py", "README.txt"}
    assert (tmp_path / name / f"{name}.ipynb").read_bytes() == notebook_path(name, ROOT).read_bytes()
    assert not any(word in p.name for p in files for word in ("reference", "hidden", "mistake", "solution", "master"))
    assert leaks(tmp_path / name, assignment) == []


def test_the_search_finds_what_a_leaky_bundle_would_hold(tmp_path, logistic):
    """The check above can fail: a bundle with the reference filled in and a
    hidden expected array printed is caught, by the search and by release."""
    folder = tmp_path / "leaky"
    release("logistic_regression", folder, ROOT)
    nbformat.write(filled_notebook(logistic, notebook_path("logistic_regression", ROOT)), folder / "filled.ipynb")
    expected = hidden_expectations(logistic)[0]
    (folder / "printed.txt").write_text(repr(expected.tolist()))
    (folder / "raw.bin").write_bytes(expected.tobytes())
    found = leaks(folder, logistic)
    assert any(f.startswith("body of sigmoid") for f in found)
    assert any(f.startswith("digits") for f in found) and any(f.startswith("bytes") for f in found)


def test_release_refuses_a_student_notebook_that_holds_a_solution(tmp_path, root, logistic):
    import shutil

    course = tmp_path / "course"
    shutil.copytree(root / "assignments" / "logistic_regression", course / "assignments" / "logistic_regression")
    shutil.copytree(root / "solutions" / "logistic_regression", course / "solutions" / "logistic_regression")
    notebook = course / "assignments" / "logistic_regression" / "logistic_regression.ipynb"
    nbformat.write(filled_notebook(logistic, notebook), notebook)
    with pytest.raises(ReleaseError, match="reference body of sigmoid"):
        release("logistic_regression", tmp_path / "bundle", course)
    assert not list((tmp_path / "bundle").iterdir())


CHECK_IN_KERNEL = """
import os, sys, nbformat, nbclient
notebook = nbformat.read(sys.argv[1], as_version=4)
notebook.cells.append(nbformat.v4.new_code_cell(
    "import sys, autograder; print('KERNEL', sys.executable, autograder.__file__); check()"))
client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                                 resources={"metadata": {"path": os.path.dirname(sys.argv[1])}})
client.execute()
for cell in notebook.cells:
    for output in cell.get("outputs", []):
        print(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
"""


@pytest.mark.slow
def test_a_bundle_runs_check_in_a_kernel_with_only_the_wheel_installed(tmp_path, logistic):
    start = time.monotonic()
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, timeout=600)
    [wheel] = wheels.glob("autograder-*.whl")
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=900)
    built = time.monotonic() - start

    bundle = tmp_path / "student" / "lr"
    release("logistic_regression", bundle, ROOT)
    filled = filled_notebook(logistic, bundle / "logistic_regression.ipynb")  # the student's finished work
    nbformat.write(filled, bundle / "logistic_regression.ipynb")
    home = tmp_path / "home"
    home.mkdir()
    environment = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "JUPYTER_DATA_DIR": str(home / "j"),
                   "JUPYTER_PLATFORM_DIRS": "1"}  # no course, no AUTOGRADER_COURSE, no user kernels
    ran = subprocess.run([str(python), "-c", CHECK_IN_KERNEL, str(bundle / "logistic_regression.ipynb")],
                         cwd=bundle, env=environment, capture_output=True, text=True, timeout=600)
    print(f"wheel and fresh venv {built:.0f} s, check() in a kernel {time.monotonic() - start - built:.0f} s")
    assert ran.returncode == 0, ran.stderr[-3000:]
    printed = ANSI.sub("", ran.stdout)
    kernel_line = next(line for line in printed.splitlines() if line.startswith("KERNEL"))
    assert str(venv) in kernel_line and "site-packages" in kernel_line and str(ROOT) not in kernel_line
    assert "PASS compute_gradient: lecture batch gradient" in printed
    assert "Self-check unavailable" not in printed and "FAIL" not in printed
    assert "14 of 14 checks passed." in printed, printed[-2000:]

    untouched = bundle.parent / "untouched"  # a check that fails says so, in the same environment
    release("logistic_regression", untouched, ROOT)
    ran = subprocess.run([str(python), "-c", CHECK_IN_KERNEL, str(untouched / "logistic_regression.ipynb")],
                         cwd=untouched, env=environment, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "FAIL sigmoid" in ANSI.sub("", ran.stdout) and "not implemented" in ran.stdout
