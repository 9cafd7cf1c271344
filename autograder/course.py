"""Where a course lives and how an assignment is loaded from it.

A course is a folder with ``assignments/<name>/`` (student notebook and
``public_tests.py``) and, for instructors, ``solutions/<name>/`` (``reference.py``,
``hidden_tests.py``, ``mistakes.py``). The solutions are loaded here, in the
grader's own process, and never reach student code.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from autograder.spec import Assignment, merge_questions


class CourseError(Exception):
    pass


def course_root(start: Path | None = None) -> Path:
    """$AUTOGRADER_COURSE, else the nearest folder upwards whose ``assignments/``
    holds an assignment, else the folder this package was installed from."""
    if os.environ.get("AUTOGRADER_COURSE"):
        return Path(os.environ["AUTOGRADER_COURSE"]).resolve()
    here = (start or Path.cwd()).resolve()
    installed = Path(__file__).resolve().parent.parent
    for folder in [here, *here.parents, installed]:
        if any((folder / "assignments").glob("*/public_tests.py")):
            return folder
    raise CourseError("no course found: run inside a folder with assignments/ or set AUTOGRADER_COURSE")


def assignment_names(root: Path | None = None) -> list[str]:
    root = root or course_root()
    return sorted(p.name for p in (root / "assignments").iterdir() if (p / "public_tests.py").exists())


def notebook_path(name: str, root: Path | None = None) -> Path:
    return (root or course_root()) / "assignments" / name / f"{name}.ipynb"


def load_module(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise CourseError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_assignment(name: str, root: Path | None = None, *, with_solutions: bool = True) -> Assignment:
    root = root or course_root()
    folder = root / "assignments" / name
    if not (folder / "public_tests.py").exists():
        known = ", ".join(assignment_names(root)) or "none"
        raise CourseError(f"unknown assignment {name!r} (known: {known})")
    public = load_module(folder / "public_tests.py", f"_course_public_{name}")
    hidden, reference, mistakes = [], None, []
    solution = root / "solutions" / name
    if with_solutions and solution.is_dir():
        reference_module = load_module(solution / "reference.py", f"_course_reference_{name}")
        reference = {fn: getattr(reference_module, fn) for fn in public.CONTRACT}
        hidden = load_module(solution / "hidden_tests.py", f"_course_hidden_{name}").HIDDEN
        if (solution / "mistakes.py").exists():
            mistakes = list(load_module(solution / "mistakes.py", f"_course_mistakes_{name}").MISTAKES)
    return Assignment(
        name=name,
        contract=dict(public.CONTRACT),
        layout=public.LAYOUT,
        questions=merge_questions(public.PUBLIC, hidden, order=list(public.CONTRACT)),
        reference=reference,
        mistakes=mistakes,
        limits=dict(getattr(public, "LIMITS", {})),
        returns=dict(getattr(public, "RETURNS", {})),
        free_values=tuple(getattr(public, "FREE_VALUES", ())),
    )
