"""Grade on a Dask distributed cluster: each submission is one task, graded
by a worker that keeps its own warm sandbox (``SandboxPlugin``) between tasks.

The batch (``scoring.batch``) still labels, decides late penalties, writes
every output and keeps the gradebook on the machine that runs ``grade``; only
grading itself moves. The notebook travels as bytes, so workers need no shared
file system, only this package (with its ``dask`` extra), bubblewrap, and the
course (``assignments/`` and ``solutions/``) at the path ``grade`` sees or
under ``$AUTOGRADER_COURSE``. Workers are trusted grader processes: results
come back from them pickled, as Dask sends everything; student code never
runs outside a worker's sandbox.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.engine.session import Limits
from autograder.scoring.results import SubmissionResult
from autograder.spec import Assignment

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # without the extra the module still imports; DaskExecutor says what is missing
    WorkerPlugin = object

PLUGIN = "autograder-sandbox"


class DistributedError(Exception):
    """The cluster cannot be used (not installed, not reachable)."""


class SandboxPlugin(WorkerPlugin):
    """Dask worker plugin: one sandboxed Engine per worker thread, started on
    first use and kept warm for every later task; assignments loaded once."""

    name = PLUGIN

    def setup(self, worker=None) -> None:
        self.lock = threading.Lock()
        self.engines: dict[int, object] = {}
        self.assignments: dict[tuple, Assignment] = {}

    def teardown(self, worker=None) -> None:
        for engine in self.engines.values():
            engine.close()
        self.engines.clear()

    def engine(self):
        from autograder.engine.session import Engine

        thread = threading.get_ident()
        with self.lock:
            if thread not in self.engines:
                self.engines[thread] = Engine(slot=len(self.engines))
            return self.engines[thread]

    def assignment(self, name: str, root: str, with_solutions: bool) -> Assignment:
        from autograder.course import course_root, load_assignment

        key = (name, root, with_solutions)
        with self.lock:
            if key not in self.assignments:
                folder = Path(root) if (Path(root) / "assignments").is_dir() else course_root()
                self.assignments[key] = load_assignment(name, folder, with_solutions=with_solutions)
            return self.assignments[key]


def grade_on_worker(name: str, root: str, notebook: bytes, suffix: str, include_hidden: bool,
                    limits: Limits | None, run_all_cells: bool) -> SubmissionResult:
    """Run on a Dask worker: grade one notebook (its bytes) with the worker's warm sandbox."""
    from distributed import get_worker

    from autograder.scoring.submission import grade_notebook

    plugin = get_worker().plugins[PLUGIN]
    assignment = plugin.assignment(name, root, include_hidden)
    engine = plugin.engine()
    engine.run_all_cells = run_all_cells
    with tempfile.TemporaryDirectory(prefix="autograder-task-") as folder:
        path = Path(folder) / f"submission{suffix}"
        path.write_bytes(notebook)
        return grade_notebook(assignment, path, engine, include_hidden=include_hidden, limits=limits)


@dataclass
class RemoteEngine:
    """What a batch worker thread grades with instead of a local Engine: each
    ``grade`` is a task on the cluster, awaited by this thread."""

    client: object
    root: str
    run_all_cells: bool = False

    def grade(self, assignment: Assignment, path: Path, *, include_hidden: bool = True,
              limits: Limits | None = None) -> SubmissionResult:
        future = self.client.submit(grade_on_worker, assignment.name, self.root, Path(path).read_bytes(),
                                    Path(path).suffix, include_hidden, limits, self.run_all_cells, pure=False)
        return future.result()

    def close(self) -> None:
        pass

    def __enter__(self) -> "RemoteEngine":
        return self

    def __exit__(self, *exc) -> None:
        pass


class DaskExecutor:
    """A connection to a Dask scheduler, for ``grade_batch(executor=...)``.

    ``address`` is the scheduler's (``tcp://host:8786``), or a ``Client`` or
    ``LocalCluster`` already made. Registers ``SandboxPlugin`` on every worker
    (and on workers that join later). DistributedError if ``distributed`` is
    not installed or the scheduler does not answer within ``timeout`` seconds.
    """

    def __init__(self, address, root: Path, timeout: float = 30.0):
        try:
            from distributed import Client
        except ImportError as error:
            raise DistributedError("the dask executor needs the 'dask' extra: pip install 'autograder[dask]'") \
                from error
        try:
            self.client = address if isinstance(address, Client) else Client(address, timeout=timeout)
        except OSError as error:
            raise DistributedError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        self._own = self.client is not address
        self.root = str(Path(root).resolve())
        self.client.register_plugin(SandboxPlugin(), name=PLUGIN)

    def slots(self) -> int:
        """Tasks the cluster runs at once: the sum of its workers' threads."""
        return max(1, sum(self.client.nthreads().values()))

    def engine(self, slot: int, run_all_cells: bool = False) -> RemoteEngine:
        return RemoteEngine(self.client, self.root, run_all_cells)

    def close(self) -> None:
        if self._own:
            self.client.close()

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
