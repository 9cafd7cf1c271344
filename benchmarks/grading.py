"""How fast grading is, in one interleaved run: per assignment, seconds per
submission of the fast engine, the kernel engine and (when otter-grader is
installed) ``otter run`` of the exported assignment; throughput of batches at
each -j; peak memory (PSS) of the whole process tree, sampled during the
batches (and read once after each assignment's timings, which a sampler
would slow). Prints a table, writes a CSV and a PNG plot.

    python benchmarks/grading.py                       # all assignments, small
    python benchmarks/grading.py --sizes 10,100,1000 --jobs 1,2 --samples 20
    python benchmarks/grading.py -a logistic_regression --no-kernel --no-otter --sizes 10

Submissions are the reference-filled notebook and every known mistake, in
turn. Per-submission times are of warm engines (the engine start is timed
once, apart), after one untimed pass over the sample has filled the
assignment's caches as a class's first submissions do (``--cold`` times that
first pass instead); engines are measured in turn on the same notebook, so a
load on the machine slows all of them alike. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from autograder.course import assignment_names, course_root, load_assignment, notebook_path
from autograder.engine.kernel import KernelEngine
from autograder.engine.session import Engine
from autograder.notebook.build import filled_notebook, mistaken_notebook, reference_sources, replace_functions
from autograder.scoring.batch import grade_batch
from autograder.scoring.submission import grade_notebook

OTTER = Path(sys.executable).with_name("otter")
FIELDS = ("assignment", "measure", "engine", "jobs", "submissions", "min_s", "median_s", "max_s",
          "per_second", "peak_pss_mb", "scores_agree", "times_fast")


def main() -> None:
    options = _options()
    root = course_root()
    names = options.assignment or assignment_names(root)
    work = Path(tempfile.mkdtemp(prefix="autograder-benchmark-"))
    rows: list[dict] = []
    try:
        resident = 0.0  # the warm engine's tree, read between timings: a sampler running would slow them
        with Engine() as engine:
            started = time.perf_counter()
            _warm(engine, load_assignment(names[0], root), root, work)
            rows.append(_row("-", "engine start", "fast", seconds=[time.perf_counter() - started]))
            for name in names:
                assignment = load_assignment(name, root)
                notebooks = _notebooks(assignment, root, work / name)
                rows += _per_submission(assignment, notebooks, engine, options, root, work / name)
                resident = max(resident, _tree_pss_mb())
                for jobs in options.jobs:
                    for size in options.sizes:
                        rows.append(_throughput(assignment, notebooks, jobs, size, work / name))
        peaks = [resident] + [row["peak_pss_mb"] for row in rows if row["peak_pss_mb"] != ""]
        rows.append(_row("-", "peak memory", "all", peak=max(peaks)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print(rows)
    options.out.mkdir(parents=True, exist_ok=True)
    _write_csv(rows, options.out / "grading.csv")
    _plot(rows, options.out / "grading.png")
    print(f"\nwrote {options.out / 'grading.csv'} and {options.out / 'grading.png'}")


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-a", "--assignment", action="append", help="an assignment (repeat; default: all)")
    parser.add_argument("--samples", type=int, default=5, help="submissions timed one by one per engine")
    parser.add_argument("--kernel-samples", type=int, default=2, help="of those, also graded by the kernel engine")
    parser.add_argument("--cold", action="store_true",
                        help="time each notebook's first grading (default: after one untimed pass over the sample)")
    parser.add_argument("--sizes", type=_numbers, default=[10, 100], help="batch sizes, e.g. 10,100,1000")
    parser.add_argument("--jobs", type=_numbers, default=[1, 2], help="-j values, e.g. 1,2")
    parser.add_argument("--no-kernel", dest="kernel", action="store_false", help="leave the kernel engine out")
    parser.add_argument("--no-otter", dest="otter", action="store_false", help="leave `otter run` out")
    parser.add_argument("--out", type=Path, default=Path("benchmark-output"), help="folder for the CSV and PNG")
    return parser.parse_args()


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _warm(engine: Engine, assignment, root: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    path = work / "warm.ipynb"
    nbformat.write(filled_notebook(assignment, notebook_path(assignment.name, root)), path)
    grade_notebook(assignment, path, engine)


def _notebooks(assignment, root: Path, folder: Path) -> list[Path]:
    """The reference-filled notebook, then every known mistake, as files."""
    folder.mkdir(parents=True, exist_ok=True)
    student = notebook_path(assignment.name, root)
    variants = [filled_notebook(assignment, student)]
    variants += [mistaken_notebook(assignment, student, mistake) for mistake in assignment.mistakes]
    paths = []
    for number, notebook in enumerate(variants):
        path = folder / f"variant-{number:03d}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def _per_submission(assignment, notebooks: list[Path], engine: Engine, options, root: Path,
                    folder: Path) -> list[dict]:
    """Each sampled notebook graded by every engine in turn; scores compared."""
    questions = [q.name for q in assignment.questions]
    sample = notebooks[:max(1, options.samples)]
    times: dict[str, list[float]] = {"fast": [], "kernel": [], "otter": []}
    agree: dict[str, bool] = {"kernel": True, "otter": True}
    otter_zip = _otter_autograder(assignment, root, folder) if options.otter else None
    if not options.cold:
        # A class's first submissions fill the assignment's caches (expected values, central differences
        # of the reference, which cells matter): its later ones, most of a class, find them filled.
        for path in sample:
            grade_notebook(assignment, path, engine)
    for number, path in enumerate(sample):
        started = time.perf_counter()
        fast = grade_notebook(assignment, path, engine)
        times["fast"].append(time.perf_counter() - started)
        if options.kernel and number < options.kernel_samples:
            started = time.perf_counter()
            kernel = grade_notebook(assignment, path, KernelEngine())
            times["kernel"].append(time.perf_counter() - started)
            agree["kernel"] &= kernel.question_scores(questions) == fast.question_scores(questions)
        if otter_zip is not None and number < options.kernel_samples:
            started = time.perf_counter()
            scores = _otter_run(otter_zip, path, folder / f"otter-{number}", assignment, root)
            times["otter"].append(time.perf_counter() - started)
            agree["otter"] &= scores == {q: fast.question_scores(questions)[q][0] for q in questions}
    rows = []
    for kind, values in times.items():
        if values:
            row = _row(assignment.name, "per submission", kind, seconds=values, agree=agree.get(kind))
            if kind != "fast":  # on the same notebooks: the first ones, which this engine graded too
                row["times_fast"] = statistics.median(values) / statistics.median(times["fast"][:len(values)])
            rows.append(row)
    return rows


def _throughput(assignment, notebooks: list[Path], jobs: int, size: int, folder: Path) -> dict:
    """A batch of ``size`` submissions (the notebooks, cycled) at -j ``jobs``, from cold engines."""
    batch = folder / f"batch-{size}"
    if not batch.exists():
        batch.mkdir()
        for number in range(size):
            os.link(notebooks[number % len(notebooks)], batch / f"s{number:05d}.ipynb")
    out = folder / f"out-{size}-j{jobs}"
    with PeakPss() as memory:
        started = time.perf_counter()
        grade_batch(assignment, sorted(batch.iterdir()), out, jobs=jobs)
        seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return _row(assignment.name, "batch", "fast", jobs=jobs, submissions=size, seconds=[seconds / size],
                per_second=size / seconds, peak=memory.peak_mb)


def _otter_autograder(assignment, root: Path, folder: Path) -> Path | None:
    """``otter assign`` of the exported master: its autograder zip, or None
    (otter not installed, no exporter, or the export failed: said why)."""
    if not OTTER.exists():
        print(f"{assignment.name}: otter-grader is not installed; `otter run` left out", file=sys.stderr)
        return None
    try:
        from autograder.export.otter import export_otter
    except ImportError:
        print("no otter exporter (autograder.export.otter); `otter run` left out", file=sys.stderr)
        return None
    master = export_otter(assignment, root, folder / "otter")
    done = subprocess.run([str(OTTER), "assign", "--no-run-tests", master.name, "dist"], cwd=master.parent,
                          capture_output=True, text=True, timeout=900)
    zips = list((master.parent / "dist" / "autograder").glob("*.zip"))
    if done.returncode != 0 or not zips:
        print(f"{assignment.name}: otter assign failed; `otter run` left out\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return zips[0]


def _otter_run(autograder: Path, notebook: Path, out: Path, assignment, root: Path) -> dict[str, float]:
    """``otter run`` of the notebook as otter's student release lays it out; otter's scores per question."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    submission = out / f"{assignment.name}.ipynb"
    student = nbformat.read(autograder.parent.parent / "student" / f"{assignment.name}.ipynb", as_version=4)
    ours = nbformat.read(notebook, as_version=4)
    sources = {}
    for cell in ours.cells:  # the submission's own functions, in otter's release of the notebook
        for name in assignment.contract:
            if cell.cell_type == "code" and f"def {name}(" in cell.source:
                sources.setdefault(name, _function_text(cell.source, name))
    nbformat.write(replace_functions(student, {**reference_sources(assignment), **sources}), submission)
    subprocess.run([str(OTTER), "run", "--no-logo", "-a", str(autograder), "-o", str(out), str(submission)],
                   cwd=out, capture_output=True, text=True, timeout=900)
    try:
        tests = json.loads((out / "results.json").read_text())["tests"]
    except (OSError, ValueError, KeyError):
        return {}
    return {test["name"]: float(test["score"]) for test in tests if "score" in test}


def _function_text(source: str, name: str) -> str:
    import ast

    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node)
    return ""


class PeakPss:
    """Peak of the summed PSS (proportional set size, /proc/PID/smaps_rollup) of
    this process and all its descendants, sampled every 50 ms while in use.
    Processes that cannot be read (another uid without privileges) are left out."""

    def __init__(self, every: float = 0.05):
        self.every, self.peak_mb, self._stop = every, 0.0, threading.Event()

    def __enter__(self) -> "PeakPss":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, _tree_pss_mb())
            self._stop.wait(self.every)


def _tree_pss_mb() -> float:
    """The summed PSS of this process and all its descendants, in MB."""
    return sum(_pss_kb(pid) for pid in _tree(os.getpid())) / 1024


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as file:
                    parent = int(file.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            return next((int(line.split()[1]) for line in file if line.startswith("Pss:")), 0)
    except (OSError, ValueError):
        return 0


def _row(assignment: str, measure: str, engine: str, *, jobs: int = 1, submissions: int | None = None,
         seconds: list[float] = (), per_second: float | None = None, peak: float | None = None,
         agree: bool | None = None) -> dict:
    return {"assignment": assignment, "measure": measure, "engine": engine, "jobs": jobs,
            "submissions": submissions if submissions is not None else len(seconds),
            "min_s": min(seconds) if seconds else "", "median_s": statistics.median(seconds) if seconds else "",
            "max_s": max(seconds) if seconds else "", "per_second": per_second or "",
            "peak_pss_mb": round(peak, 1) if peak else "", "scores_agree": "" if agree is None else agree,
            "times_fast": ""}


def _print(rows: list[dict]) -> None:
    print(f"{'assignment':22} {'measure':15} {'engine':7} {'-j':>3} {'n':>6} {'min s':>8} {'median s':>9} "
          f"{'max s':>8} {'per s':>7} {'PSS MB':>7} agree {'x fast':>6}")
    for row in rows:
        number = (lambda v, f: format(v, f) if v != "" else "")
        print(f"{row['assignment']:22} {row['measure']:15} {row['engine']:7} {row['jobs']:>3} {row['submissions']:>6} "
              f"{number(row['min_s'], '.3f'):>8} {number(row['median_s'], '.3f'):>9} {number(row['max_s'], '.3f'):>8} "
              f"{number(row['per_second'], '.1f'):>7} {number(row['peak_pss_mb'], '.0f'):>7} "
              f"{str(row['scores_agree']):5} {number(row['times_fast'], '.0f'):>6}")


def _write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = [r for r in rows if r["measure"] == "per submission"]
    batches = [r for r in rows if r["measure"] == "batch"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    names = sorted({r["assignment"] for r in per})
    engines = [e for e in ("fast", "kernel", "otter") if any(r["engine"] == e for r in per)]
    for k, engine in enumerate(engines):
        medians = [next((r["median_s"] for r in per if r["assignment"] == n and r["engine"] == engine), 0)
                   for n in names]
        left.bar([i + k / (len(engines) + 1) for i in range(len(names))], medians, 1 / (len(engines) + 1),
                 label=engine)
    left.set_xticks(range(len(names)), names, rotation=20, ha="right")
    left.set_yscale("log")
    left.set_ylabel("seconds per submission (median)")
    left.legend()
    for name in sorted({r["assignment"] for r in batches}):
        for jobs in sorted({r["jobs"] for r in batches}):
            points = sorted((r["submissions"], r["per_second"]) for r in batches
                            if r["assignment"] == name and r["jobs"] == jobs)
            right.plot(*zip(*points), marker="o", label=f"{name} -j {jobs}")
    right.set_xscale("log")
    right.set_xlabel("submissions in the batch")
    right.set_ylabel("submissions graded per second")
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
