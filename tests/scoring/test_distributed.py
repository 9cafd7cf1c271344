"""Grading on a real Dask LocalCluster (two worker processes, each with its own
warm sandbox) gives the same scores and the same files as the local pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.course import load_assignment
from autograder.demo import write_samples
from autograder.engine.session import Limits
from autograder.scoring.batch import grade_batch

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[dask]'")

from autograder.scoring.distributed import DaskExecutor, DistributedError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(cell_timeout=2.0, call_timeout=2.0)


def outputs(folder: Path) -> dict[str, object]:
    """Every file the batch wrote, with what may differ between runs (timings) left out."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                data = json.loads(text)
                data.pop("execution_time", None)
                found[str(path.relative_to(folder))] = data
            elif path.suffix == ".csv":
                found[str(path.relative_to(folder))] = text
    return found


def test_a_local_cluster_grades_like_the_local_pool(tmp_path):
    course = load_assignment("logistic_regression", ROOT)
    paths = write_samples(course, ROOT, tmp_path / "submissions")
    local = grade_batch(course, paths, tmp_path / "local", jobs=2, limits=LIMITS)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_class=distributed.Nanny) as cluster:
        with DaskExecutor(cluster.scheduler_address, ROOT) as executor:
            assert executor.slots() == 2
            remote = grade_batch(course, paths, tmp_path / "remote", jobs=executor.slots(), limits=LIMITS,
                                 executor=executor)
            workers = executor.client.run(lambda dask_worker: len(dask_worker.plugins["autograder-sandbox"].engines))
    questions = [q.name for q in course.questions]
    assert [r.submission for r in remote] == [r.submission for r in local]
    assert [r.question_scores(questions) for r in remote] == [r.question_scores(questions) for r in local]
    assert [r.error for r in remote] == [r.error for r in local]
    assert outputs(tmp_path / "remote") == outputs(tmp_path / "local")
    assert sorted(workers.values()) == [1, 1]  # each worker grades with its own one sandbox, kept warm


def test_an_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(DistributedError, match="cannot reach the Dask scheduler"):
        DaskExecutor("tcp://127.0.0.1:9", ROOT, timeout=2)
