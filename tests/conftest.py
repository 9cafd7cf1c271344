"""Shared fixtures: the course in this repository, a sandboxed engine, and a
factory for notebooks made from the reference with changes."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.course import load_assignment, notebook_path
from autograder.engine.session import Engine, Limits
from autograder.notebook.build import filled_notebook, reference_sources
from autograder.scoring.submission import grade_notebook

ROOT = Path(__file__).resolve().parents[1]
FAST_LIMITS = Limits(cell_timeout=1.0, call_timeout=1.0, total_timeout=60.0)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: the hostile corpus and kill tests, real Jupyter kernels and "
                                       "otter runs, fresh virtual environments, batches of hundreds; "
                                       "deselect with -m 'not slow' for the core suite")


def pytest_xdist_auto_num_workers(config):
    """One test process more than cores (``-n auto``): many tests spend their
    time waiting for a limit, a kernel or a browser, not computing."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(config, items):
    """Everything under tests/hostile is slow; slow tests are handed out
    first, so that the longest ones do not start last and leave one test
    process working alone at the end."""
    for item in items:
        if "hostile" in item.path.parts:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def logistic():
    return load_assignment("logistic_regression", ROOT)


@pytest.fixture(scope="session")
def engine():
    with Engine() as shared:
        yield shared


@pytest.fixture
def write_notebook(tmp_path):
    """write_notebook(cells or notebook, name) -> path of a notebook file."""

    def write(content, name: str = "submission") -> Path:
        notebook = content if isinstance(content, nbformat.NotebookNode) else new_notebook(
            cells=[new_code_cell(source) for source in content])
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(notebook, path)
        return path

    return write


@pytest.fixture
def filled_logistic(logistic):
    """A fresh copy of the reference-filled logistic_regression notebook."""
    return lambda: filled_notebook(logistic, notebook_path("logistic_regression", ROOT))


@pytest.fixture
def grade(engine):
    def run(assignment, path, **options):
        options.setdefault("limits", FAST_LIMITS)
        return grade_notebook(assignment, path, engine, **options)

    return run


@pytest.fixture
def reference_cells():
    """reference_cells(assignment) -> code cells defining every reference function."""
    return lambda assignment: ["import numpy as np", *reference_sources(assignment).values()]
