"""Grading time per submission, printed (not asserted).

    python benchmarks/grading_speed.py [--assignment logistic_regression] [-n 20] [--kernel]

Grades n submissions one after another on one warm engine: the reference-
filled notebook and each known mistake in turn (all tests, hidden included),
and prints the median and spread, and how much of it is the notebook's own
cells (which any grader must run). ``--kernel`` also times starting a Jupyter
kernel, the cost this engine avoids.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.course import course_root, load_assignment, notebook_path
from autograder.engine.execute import execute_notebook
from autograder.engine.session import Engine, Limits
from autograder.notebook.read import read_code_cells
from autograder.notebook.build import filled_notebook, mistaken_notebook
from autograder.scoring.submission import grade_notebook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="logistic_regression")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--kernel", action="store_true")
    options = parser.parse_args()

    root = course_root()
    assignment = load_assignment(options.assignment, root)
    student = notebook_path(options.assignment, root)
    variants = [filled_notebook(assignment, student)]
    variants += [mistaken_notebook(assignment, student, m) for m in assignment.mistakes]
    with tempfile.TemporaryDirectory() as folder, Engine() as engine:
        paths = []
        for number in range(options.n):
            path = Path(folder) / f"submission-{number}.ipynb"
            nbformat.write(variants[number % len(variants)], path)
            paths.append(path)
        start = time.perf_counter()
        grade_notebook(assignment, paths[0], engine)  # starts the zygote; not counted
        warmup = time.perf_counter() - start
        times, cell_times = [], []
        for path in paths:
            start = time.perf_counter()
            result = grade_notebook(assignment, path, engine)
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            run, _ = execute_notebook(engine, read_code_cells(path), Limits.from_dict(assignment.limits))
            run.close()
            cell_times.append(time.perf_counter() - start)
        print(f"assignment          {options.assignment} ({len(result.cases)} test cases, isolation: "
              f"{engine.isolation.kind})")
        print(f"engine start        {warmup:.3f} s (once per worker)")
        print(f"submissions         {len(times)}")
        print(f"median per notebook {statistics.median(times):.3f} s")
        print(f"fastest / slowest   {min(times):.3f} s / {max(times):.3f} s")
        print(f"of which the cells  {statistics.median(cell_times):.3f} s median (the notebook's own code, "
              "demos and plots included)")
    if options.kernel:
        from jupyter_client.manager import start_new_kernel

        start = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3")
        print(f"kernel start        {time.perf_counter() - start:.3f} s (what a kernel-per-notebook grader pays)")
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
