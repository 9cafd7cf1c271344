"""The Jupyter-kernel engine gives the same scores as the sandboxed one."""

from autograder.engine.kernel import KernelEngine
from autograder.engine.session import Limits
from autograder.notebook.build import replace_functions
from autograder.scoring.submission import grade_notebook

LIMITS = Limits(cell_timeout=5, call_timeout=5, total_timeout=120)


def test_both_engines_give_the_same_scores(logistic, filled_logistic, write_notebook, engine):
    mistakes = {m.function: m.source for m in logistic.mistakes[:1]}
    mistakes.update({m.function: m.source for m in logistic.mistakes if m.function == "update"})
    notebooks = [write_notebook(filled_logistic(), "filled"),
                 write_notebook(replace_functions(filled_logistic(), mistakes), "mistaken")]
    for path in notebooks:
        fast = grade_notebook(logistic, path, engine, limits=LIMITS)
        with KernelEngine() as kernel:
            faithful = grade_notebook(logistic, path, kernel, limits=LIMITS)
        assert [(c.name, c.points) for c in faithful.cases] == [(c.name, c.points) for c in fast.cases]
        assert any("without a sandbox" in note for note in faithful.notes)
    assert fast.total < fast.possible
