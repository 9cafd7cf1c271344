"""Both engines conform to the engine interface, and their modules type-check
(mypy, configured in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE_FILES = [f"autograder/engine/{name}.py" for name in
                ("interface", "run", "session", "channel", "replies", "kernel", "execute")] + ["autograder/messages.py"]

# Each engine's classes where the interface is expected: mypy checks that they conform.
CONFORMANCE = '''
from autograder.engine import interface, kernel, session


def sandbox(engine: session.Engine, run: session.Run) -> tuple[interface.Engine, interface.Run]:
    return engine, run


def jupyter(engine: kernel.KernelEngine, run: kernel.KernelRun) -> tuple[interface.Engine, interface.Run]:
    return engine, run
'''

# A run whose exec_cell takes a cell's number as text: mypy must refuse it where a Run is expected.
NONCONFORMING = '''
from autograder.engine import interface, kernel


class HalfRun(kernel.KernelRun):
    def exec_cell(self, index: str, source: str) -> dict:
        return {}


def jupyter(run: HalfRun) -> interface.Run:
    return run
'''


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def mypy(tmp_path: Path, cache: Path, extra: str) -> subprocess.CompletedProcess:
    checked = tmp_path / "conformance.py"
    checked.write_text(extra)
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *ENGINE_FILES, str(checked)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_both_engines_conform_to_the_interface_and_type_check(tmp_path, cache):
    result = mypy(tmp_path, cache, CONFORMANCE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 9 source files" in result.stdout


def test_a_run_that_breaks_the_interface_is_refused(tmp_path, cache):
    result = mypy(tmp_path, cache, NONCONFORMING)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Incompatible return value type (got "HalfRun", expected "Run")' in result.stdout
