"""The student release of an assignment: what a student downloads.

A bundle is a folder with the student notebook, its ``public_tests.py`` (and
``contract.json`` where the assignment has one) and a short README, made from ``assignments/<name>/`` alone: nothing is read from
``solutions/``. With the package installed (``pip install autograder``, no
course folder), the notebook's first cell, ``Checker("<name>")``, finds the
public tests next to the notebook (``selfcheck``), so ``check()`` works.

As a last guard, when the course's solutions are at hand, a bundle that
holds a reference function's body or a hidden test's name is refused: a
student notebook generated with a solution left in must never go out.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import textwrap
from pathlib import Path

from autograder.course import CourseError, assignment_names, course_root, load_assignment, notebook_path
from autograder.outputs.files import write_atomic
from autograder.spec import function_source

BUNDLE_FILES = ("{name}.ipynb", "public_tests.py")
OPTIONAL_FILES = ("contract.json",)  # the contract, where public_tests.py leaves it to the master notebook
INSTALL = "pip install autograder"
_README = """\
{name}: how to work on it

1. Install the checker once (Python 3.11 or newer):

       {install}

2. Open {name}.ipynb in Jupyter, in this folder (check() reads
   public_tests.py from here). Fill in each function where it says
   `raise NotImplementedError` and run the check(...) cell under it: it says
   what to fix.

3. The same checks from a terminal:

       autograder check {name}.ipynb

Hand in {name}.ipynb. It is graded with these public tests and hidden tests
on other inputs, so make your functions work for any sizes, not just the
examples.
"""


class ReleaseError(Exception):
    """The bundle cannot be made, or would hold something hidden; the message says what."""


def release(name: str, out: Path, root: Path | None = None, install: str = INSTALL) -> list[Path]:
    """Write the bundle of assignment ``name`` into the folder ``out`` (created
    if needed; files of the same names are replaced); return the files written.
    Raises ReleaseError for an unknown assignment, a missing file, a
    ``public_tests.py`` that imports the solutions, or a leak found by
    ``hidden_leaks``."""
    root = root or course_root()
    folder = notebook_path(name, root).parent
    if name not in assignment_names(root):
        raise ReleaseError(f"unknown assignment {name!r} (known: {', '.join(assignment_names(root)) or 'none'})")
    sources = [folder / pattern.format(name=name) for pattern in BUNDLE_FILES]
    missing = [path.name for path in sources if not path.is_file()]
    if missing:
        raise ReleaseError(f"cannot release {name}: {', '.join(missing)} missing in {folder}")
    sources += [folder / extra for extra in OPTIONAL_FILES if (folder / extra).is_file()]
    _refuse_solution_imports(sources[1])
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        shutil.copyfile(path, out / path.name)
        (out / path.name).chmod(0o644)
        written.append(out / path.name)
    write_atomic(out / "README.txt", _README.format(name=name, install=install))
    written.append(out / "README.txt")
    leaks = hidden_leaks(written, name, root)
    if leaks:
        for path in written:
            path.unlink(missing_ok=True)
        raise ReleaseError(f"refused to release {name}: the bundle would hold {'; '.join(leaks)}")
    return written


def hidden_leaks(files: list[Path], name: str, root: Path) -> list[str]:
    """What of the solutions appears in ``files``: a reference function's body
    (its statements after the docstring, whitespace ignored) or a hidden
    test's name. Empty when the solutions are not at hand."""
    try:
        assignment = load_assignment(name, root, with_solutions=True)
    except CourseError:
        return []
    text = "\n".join(_normalised(path) for path in files)
    squeezed = _squeeze(text)
    leaks = [f"the reference body of {function}" for function, body in reference_bodies(assignment).items()
             if body and _squeeze(body) in squeezed]
    names = {case.name for question in assignment.questions for case in question.cases if case.hidden}
    public = {case.name for question in assignment.questions for case in question.cases if not case.hidden}
    for name in sorted(public, key=len, reverse=True):  # a public name may contain a short hidden one
        text = text.replace(name, "")
    leaks += [f"the hidden test {case!r}" for case in sorted(names - public) if case in text]
    return leaks


def _normalised(path: Path) -> str:
    """A file's text with its Python code as ``ast.unparse`` writes it (a
    notebook: every cell), so code compares whatever its formatting."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = [("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                     for c in json.loads(raw)["cells"]]
        except (ValueError, KeyError, TypeError):
            return raw
    elif path.suffix == ".py":
        cells = [raw]
    else:
        return raw
    return "\n".join(_unparsed(cell) for cell in cells)


def _unparsed(source: str) -> str:
    try:
        return ast.unparse(ast.parse(source))
    except (SyntaxError, ValueError):
        return source


def reference_bodies(assignment) -> dict[str, str]:
    """Each reference function's body without its docstring, as source text."""
    bodies = {}
    for function_name, function in (assignment.reference or {}).items():
        node = ast.parse(textwrap.dedent(function_source(function))).body[0]
        statements = node.body
        if statements and isinstance(statements[0], ast.Expr) and isinstance(getattr(statements[0], "value", None),
                                                                               ast.Constant):
            statements = statements[1:]
        bodies[function_name] = "\n".join(ast.unparse(statement) for statement in statements)
    return bodies


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _refuse_solution_imports(public_tests: Path) -> None:
    try:
        tree = ast.parse(public_tests.read_text(encoding="utf-8"))
    except SyntaxError as error:
        raise ReleaseError(f"{public_tests} does not compile: {error}") from None
    for node in ast.walk(tree):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(module == "solutions" or module.startswith("solutions.") for module in modules):
            raise ReleaseError(f"{public_tests} imports the solutions: students would need them")
