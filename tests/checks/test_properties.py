import numpy as np

from autograder.checks.properties import loop_problem, purity_problem, stability_problem


def test_in_place_change_is_reported_with_the_argument_name():
    before = (np.array([0.1, 0.5]), np.array([1.0, 1.0]), 0.1)
    after = (np.array([0.0, 0.5]), np.array([1.0, 1.0]), 0.1)
    message = purity_problem("update", ("theta", "grad", "lr"), before, after, [])
    assert "`theta` in place" in message and "entry [0] was 0.1, is now 0" in message
    assert purity_problem("update", ("theta",), before, before, []) is None


def test_returning_a_view_is_reported():
    assert "view of its input" in purity_problem("f", ("x",), (np.zeros(2),), None, ["result"])


def test_stability_is_judged_by_the_values():
    true = np.array([0.0, np.exp(-720.0), 1 / (1 + np.exp(-10.0)), 1.0])  # sigmoid at -1000, -720, 10, 1000
    assert "nan or inf" in stability_problem("sigmoid", np.array([0.0, np.nan, 0.5, 1.0]), true)
    assert "nan or inf" in stability_problem("sigmoid", np.array([np.inf]))  # without expected values too
    underflow = stability_problem("sigmoid", np.array([0.0, 0.0, true[2], 1.0]), true)
    assert "exactly 0 where the true value is not" in underflow and "at [1]" in underflow
    assert "exactly 1" in stability_problem("sigmoid", np.array([0.0, np.exp(-720.0), 1.0, 1.0]), true)
    assert stability_problem("sigmoid", true.copy(), true) is None
    hidden = stability_problem("sigmoid", np.zeros(4), true, reveal=False)
    assert "exactly 0" in hidden and "[" not in hidden and "e-313" not in hidden


def test_exact_zeros_within_the_tolerance_are_not_underflows():
    """Correct formulas may round a subnormal differently: zero where the
    true value is 5e-324 is within any sensible atol."""
    assert stability_problem("softmax", np.array([0.0, 1.0]), np.array([5e-324, 1.0]), atol=1e-320) is None


def test_loops_comprehensions_and_looping_calls_are_found():
    for body in ("for i in range(3): pass", "while x: break", "return [v for v in x]",
                 "return np.vectorize(f)(x)", "return list(map(f, x))", "return np.apply_along_axis(f, 0, x)"):
        source = f"def grads(x):\n    {body}\n"
        assert "must be vectorized" in loop_problem("grads", source), body
    assert loop_problem("grads", "def grads(X, y):\n    return X.T @ y / len(y)\n") is None


def test_the_last_definition_is_the_one_inspected():
    source = "def g(x):\n    for i in x: pass\n\ndef g(x):\n    return x\n"
    assert loop_problem("g", source) is None
