"""Copies of a course's files and of this package, for graders elsewhere.

An export carries what grading needs: the assignment's public files, its
hidden tests, the reference only where the grader keeps it away from student
code, and this package's source so the grading machine can ``pip install``
it (it is not on a package index).
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import autograder

PACKAGE = "autograder"


def copy_assignment(root: Path, name: str, dest: Path, *, reference: bool) -> list[Path]:
    """Copy ``assignments/<name>/`` and ``solutions/<name>/`` of the course at
    ``root`` into ``dest`` in the layout ``autograder.course`` reads, so files
    that find each other by relative path (hidden tests loading the public
    ones) still do. Without ``reference`` only ``hidden_tests.py`` of the
    solutions is copied: nothing else there may reach a grader that shares its
    machine with student code. Returns the copied public files."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    public = Path(dest) / "assignments" / name
    shutil.copytree(Path(root) / "assignments" / name, public, ignore=ignore, dirs_exist_ok=True)
    if (Path(root) / "grading.toml").is_file():  # the course's question points, if it sets any
        shutil.copy2(Path(root) / "grading.toml", Path(dest) / "grading.toml")
    solution = Path(root) / "solutions" / name
    target = Path(dest) / "solutions" / name
    if reference:
        shutil.copytree(solution, target, ignore=ignore, dirs_exist_ok=True)
        if (Path(root) / "solutions" / "__init__.py").exists():
            shutil.copy2(Path(root) / "solutions" / "__init__.py", Path(dest) / "solutions" / "__init__.py")
    else:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(solution / "hidden_tests.py", target / "hidden_tests.py")
    return sorted(p for p in public.rglob("*") if p.is_file())


def copy_package(dest: Path) -> Path:
    """This package's source in ``dest`` with a ``pyproject.toml`` made from
    its installed metadata (name, version, dependencies without extras), so
    ``pip install dest`` works from any install, editable or not. Returns dest."""
    dest = Path(dest)
    shutil.copytree(Path(autograder.__file__).resolve().parent, dest / PACKAGE,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    info = metadata.metadata(PACKAGE)
    requirements = [r for r in (metadata.requires(PACKAGE) or []) if "extra ==" not in r]
    dependencies = "".join(f'    "{r}",\n' for r in requirements)
    (dest / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{PACKAGE}"\nversion = "{info["Version"]}"\n'
        f'requires-python = "{info.get("Requires-Python") or ">=3.11"}"\n'
        f"dependencies = [\n{dependencies}]\n\n"
        f'[project.scripts]\nautograder = "autograder.cli:main"\n\n'
        f'[tool.setuptools.packages.find]\ninclude = ["{PACKAGE}*"]\n', encoding="utf-8")
    return dest
