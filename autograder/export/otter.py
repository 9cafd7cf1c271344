"""Export an assignment as an otter-grader master notebook (otter-assign's format).

The master is the student notebook with, for every contract function, an
otter question: a solution cell (the reference body between ``# BEGIN
SOLUTION`` and ``# END SOLUTION``; students get the stub back from a ``#
BEGIN PROMPT`` block) and one exception-based test cell per test case, with
the case's points and visibility. Each test cell calls
``autograder.export.in_kernel.check_case``, so otter runs our own checks.

Next to the master, ``course/`` holds the public tests (otter ``files``: for
students and grader) and, for the grader only (``autograder_files``), the
hidden tests and the reference's answers on every case's inputs, frozen by
running the checks on the reference itself. ``package/`` holds this
package's source, which otter's Gradescope image installs from its
requirements. otter-grader itself is never imported here.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat

from autograder.course import notebook_path
from autograder.engine.calls import CallResult, ReferenceCaller
from autograder.export import frozen
from autograder.export.course_copy import copy_assignment, copy_package
from autograder.export.in_kernel import COURSE_FOLDER, case_context, frozen_path, hidden_tests_path
from autograder.notebook.build import reference_sources, replace_functions
from autograder.scoring.grade import run_case
from autograder.spec import Assignment

PACKAGE_FOLDER = "package"
GRADESCOPE_SOURCE = "/autograder/source/files"  # where otter's Gradescope image unpacks "files"


class OtterExportError(Exception):
    pass


def export_otter(assignment: Assignment, root: Path, out_dir: Path) -> Path:
    """Write ``out_dir/<name>.ipynb`` (the master), ``out_dir/course/`` and
    ``out_dir/package/``; return the master's path. OtterExportError if the
    reference is missing or one of its answers cannot be frozen."""
    if assignment.reference is None:
        raise OtterExportError(f"{assignment.name}: exporting needs the reference solution "
                               f"(solutions/{assignment.name})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    course = out_dir / COURSE_FOLDER
    shutil.rmtree(course, ignore_errors=True)
    public = copy_assignment(root, assignment.name, course, reference=False)
    try:
        frozen.save(freeze_reference(assignment), frozen_path(course, assignment.name))
    except ValueError as error:
        raise OtterExportError(f"{assignment.name}: {error}") from None
    shutil.rmtree(out_dir / PACKAGE_FOLDER, ignore_errors=True)
    copy_package(out_dir / PACKAGE_FOLDER)
    student = nbformat.read(notebook_path(assignment.name, root), as_version=4)
    master = master_notebook(assignment, student, files={
        "public": [path.relative_to(out_dir).as_posix() for path in public],
        "grader": [str(hidden_tests_path(Path(COURSE_FOLDER), assignment.name)),
                   str(frozen_path(Path(COURSE_FOLDER), assignment.name)), PACKAGE_FOLDER]})
    path = out_dir / f"{assignment.name}.ipynb"
    nbformat.write(master, path)
    return path


def freeze_reference(assignment: Assignment) -> dict[str, CallResult]:
    """Every answer the reference gives while every case grades the reference
    itself: the calls a case makes on its own inputs, which are the same for
    any submission (checks never feed a student's value to the reference)."""
    recording = frozen.RecordingReference(assignment.reference)
    as_student = ReferenceCaller(assignment.reference)
    sources = reference_sources(assignment)
    for question in assignment.questions:
        for case in question.cases:
            run_case(case.check, case_context(assignment, question.name, case, as_student, recording,
                                              source_of=sources.get))
    return recording.answers


def master_notebook(assignment: Assignment, student: nbformat.NotebookNode,
                    files: dict[str, list[str]]) -> nbformat.NotebookNode:
    """The student notebook turned into an otter-assign master: the config
    cell first, each stub cell inside its question block, our ``check``
    cells and the self-check import dropped (otter adds its own)."""
    sources = reference_sources(assignment)
    # YAML is a superset of JSON: the config is written as JSON, so the core needs no YAML library
    cells = [_raw("# ASSIGNMENT CONFIG\n" + json.dumps(_config(assignment, files), indent=2))]
    for cell in student.cells:
        if cell.cell_type != "code":
            cells.append(nbformat.from_dict(cell))
            continue
        if _is_self_check(cell.source):
            continue
        source = _without_self_check_setup(cell.source)
        defined = [name for name in _defined(source) if name in assignment.contract]
        if not defined:
            if source.strip():
                cells.append(nbformat.v4.new_code_cell(source))
            continue
        if len(defined) > 1:
            raise OtterExportError(f"{assignment.name}: one cell defines {', '.join(defined)}; otter needs one "
                              "question per cell")
        name = defined[0]
        solution = replace_functions(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]),
                                     {name: marked_solution(_function_in(source, name), sources[name])})
        cells += [_raw(f"# BEGIN QUESTION\nname: {name}"),
                  _raw("# BEGIN SOLUTION"), nbformat.v4.new_code_cell(solution.cells[0].source), _raw("# END SOLUTION"),
                  _raw("# BEGIN TESTS"),
                  *[nbformat.v4.new_code_cell(_test_cell(assignment.name, name, index, case))
                    for index, case in enumerate(assignment.question(name).cases)],
                  _raw("# END TESTS"), _raw("# END QUESTION")]
    missing = set(assignment.contract) - {q.name for q in assignment.questions}
    if missing:
        raise OtterExportError(f"{assignment.name}: no cases for {', '.join(sorted(missing))}")
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number:03d}"  # the same export twice gives the same file
    return nbformat.v4.new_notebook(cells=cells, metadata=dict(student.metadata))


def _config(assignment: Assignment, files: dict[str, list[str]]) -> dict:
    return {
        "name": assignment.name,
        # otter's Gradescope image installs these; our package is not on an index, so it ships in "files"
        "requirements": [f"{GRADESCOPE_SOURCE}/{PACKAGE_FOLDER}"],
        "files": files["public"],
        "autograder_files": files["grader"],
        "tests": {"files": True, "ok_format": False},
        "init_cell": True,
        "check_all_cell": True,
        "export_cell": False,
        "run_tests": True,
        "generate": {"pdf": False, "show_stdout": False, "show_hidden": False},
    }


def marked_solution(stub: str, reference: str) -> str:
    """One function in otter's solution markup: the stub's signature and
    docstring, the reference's body as the solution, the stub's body as the
    prompt students get back."""
    stub_node, reference_node = _only_function(stub), _only_function(reference)
    stub_lines, reference_lines = stub.splitlines(), reference.splitlines()
    header_end = _body_start(stub_node)
    prompt = stub_lines[header_end:stub_node.end_lineno]
    solution = reference_lines[_body_start(reference_node):reference_node.end_lineno]
    indent = _indent_of(solution or prompt)
    lines = stub_lines[:header_end] + [f"{indent}# BEGIN SOLUTION NO PROMPT", *solution, f"{indent}# END SOLUTION"]
    if any('"""' in line for line in prompt):
        return "\n".join(lines) + "\n"  # a prompt otter cannot quote: students get otter's "..."
    return "\n".join(lines + [f'{indent}""" # BEGIN PROMPT', *prompt, f'{indent}""" # END PROMPT']) + "\n"


def _test_cell(assignment: str, question: str, index: int, case) -> str:
    config = f"points: {float(case.points)!r}\nhidden: {json.dumps(bool(case.hidden))}\n"
    arguments = ", ".join(json.dumps(v) for v in (assignment, question, index, case.name))
    return (f'""" # BEGIN TEST CONFIG\n{config}""" # END TEST CONFIG\n'
            f"def {question}_{index + 1}(env):\n"
            f"    from autograder.export.in_kernel import check_case\n"
            f"    check_case(env, {arguments})\n")


def _only_function(source: str) -> ast.FunctionDef:
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise OtterExportError("expected a function definition")
    return node


def _body_start(node: ast.FunctionDef) -> int:
    """Index of the first line after the signature and the docstring."""
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first.end_lineno
    # no docstring: everything after the signature, comments above the first statement included
    signature = [node.args, *([node.returns] if node.returns else [])]
    return max([node.lineno] + [part.end_lineno for tree in signature for part in ast.walk(tree)
                                if getattr(part, "end_lineno", None)])


def _indent_of(lines: list[str]) -> str:
    for line in lines:
        if line.strip():
            return line[:len(line) - len(line.lstrip())]
    return "    "


def _function_in(source: str, name: str) -> str:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            return "\n".join(source.splitlines()[start:node.end_lineno]) + "\n"
    raise OtterExportError(f"no function {name} in the cell")


def _defined(source: str) -> list[str]:
    try:
        return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        return []


def _is_self_check(source: str) -> bool:
    """A cell of ``check(...)`` calls only."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return bool(body) and all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                              and isinstance(n.value.func, ast.Name) and n.value.func.id == "check" for n in body)


def _without_self_check_setup(source: str) -> str:
    """The setup cell without ``from autograder.selfcheck import Checker`` and ``check = Checker(...)``."""
    kept = [line for line in source.splitlines()
            if not (line.startswith("from autograder.selfcheck import") or line.startswith("check = Checker("))]
    return "\n".join(kept).strip("\n")


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text.rstrip("\n"))

