"""A batch writes each result the moment it is known."""

import csv

from autograder.scoring.batch import grade_batch


def test_scores_csv_holds_every_result_as_soon_as_it_is_known(logistic, filled_logistic, write_notebook, tmp_path):
    paths = [write_notebook(filled_logistic(), name) for name in ("one", "two", "three")]
    out = tmp_path / "grades"
    seen = []

    def check_written(result):
        rows = list(csv.DictReader((out / "scores.csv").open()))
        seen.append((result.submission, result.submission in [r["submission"] for r in rows],
                     (out / result.submission / "results.json").exists()))

    grade_batch(logistic, paths, out, jobs=2, on_result=check_written)
    assert sorted(seen) == [("one", True, True), ("three", True, True), ("two", True, True)]
