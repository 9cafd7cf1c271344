import numpy as np

from autograder.checks.gradient import disagreement_report, numerical_derivative, relative_error


def test_gradient_of_a_scalar_function_has_the_input_shape():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    gradient = numerical_derivative(lambda v: np.sum(v ** 3), x)
    assert gradient.shape == (2, 2)
    np.testing.assert_allclose(gradient, 3 * x ** 2, rtol=1e-6)


def test_jacobian_is_in_numerator_layout():
    A = np.arange(6.0).reshape(3, 2)
    jacobian = numerical_derivative(lambda v: A @ v, np.array([1.0, 2.0]))
    assert jacobian.shape == (3, 2)
    np.testing.assert_allclose(jacobian, A, atol=1e-8)


def test_relative_error_uses_the_larger_magnitude_and_a_floor():
    np.testing.assert_allclose(relative_error(np.array([1.0, 0.0]), np.array([2.0, 0.0])), [0.5, 0.0])


def test_report_names_the_entry_that_disagrees():
    report = disagreement_report(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0]), 1e-5,
                                 what="your gradient", against="your loss", reveal=True)
    assert "1 of 3 entries" in report and "at [1]" in report and "numerical 2.5" in report
    assert disagreement_report(np.ones(3), np.ones(3), 1e-5, what="g", against="f", reveal=True) is None


def test_report_gives_the_largest_differences_in_public_and_no_number_in_hidden():
    analytic, numeric = np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.5, 3.0])
    report = disagreement_report(analytic, numeric, 1e-5, what="g", against="f", reveal=True)
    assert "Max absolute difference among the wrong entries: 1\n" in report  # |4 - 3|
    assert "Max relative difference among the wrong entries: 0.25\n" in report  # |4 - 3| / 4 beats 0.5 / 2.5
    assert report.index("at [2]") < report.index("at [1]")  # worst relative error first
    hidden = disagreement_report(analytic, numeric, 1e-5, what="g", against="f", reveal=False)
    assert hidden == ("g disagrees with central differences of f at some entries "
                      "(relative error |a-n|/max(|a|,|n|) above 1e-05).")  # not which, nor how many


# --- the random-direction check of gradients ---------------------------------------------------------

import pytest  # noqa: E402

from autograder.checks.gradient import FAST_ENTRIES, directional_agreement, to_native  # noqa: E402
from autograder.checks.kinds import CaseContext, DerivativeAgrees  # noqa: E402
from autograder.engine.calls import ReferenceCaller  # noqa: E402


def loss(W):
    """A smooth scalar function of a (5, 7) array, like a network's loss of one weight matrix."""
    return float(np.sum(np.tanh(W @ np.linspace(-1, 1, 7))) + 0.5 * np.sum(W ** 2))


def loss_gradient(W):
    t = np.tanh(W @ np.linspace(-1, 1, 7))
    return np.outer(1 - t ** 2, np.linspace(-1, 1, 7)) + W


def evaluate_with(f, counter=None):
    def evaluate(points):
        if counter is not None:
            counter.append(len(points))
        return [f(p) for p in points]

    return evaluate


W0 = np.random.default_rng(3).normal(size=(5, 7))


def test_a_right_gradient_agrees_along_random_directions_in_four_evaluations():
    counter = []
    assert directional_agreement(loss_gradient(W0), W0, evaluate_with(loss, counter))
    assert sum(counter) == 4  # the full check needs 2 * 35 = 70


@pytest.mark.parametrize("wrong", [
    lambda g: 2 * g,                                  # a factor
    lambda g: g.T.reshape(g.shape),                   # entries in the wrong places
    lambda g: np.where(np.arange(g.size).reshape(g.shape) == 17, -g, g),  # one entry's sign
    lambda g: g + 1e-3 * np.abs(g) * (np.arange(g.size).reshape(g.shape) == 4),  # one entry off by 1e-3
])
def test_a_wrong_gradient_is_not_cleared(wrong):
    assert not directional_agreement(wrong(loss_gradient(W0)), W0, evaluate_with(loss))


def test_one_entry_wrong_by_a_small_relative_amount_is_seldom_missed():
    """How often a gradient with one entry off escapes both directions, over
    random gradients of 35 entries spanning four orders of magnitude (the full
    check's tolerance is 1e-5): never at 1e-3, rarely just above the tolerance."""
    rng = np.random.default_rng(0)

    def missed(relative, trials):
        count = 0
        for _ in range(trials):
            g = rng.normal(size=35) * 10.0 ** rng.uniform(-4, 0, size=35)
            x = rng.normal(size=35)
            wrong = g.copy()
            k = rng.integers(35)
            wrong[k] += relative * abs(g[k]) * rng.choice([-1, 1])
            count += directional_agreement(wrong, x, evaluate_with(lambda v: float(g @ v)))
        return count

    assert missed(1e-3, 2000) == 0
    assert missed(1e-4, 2000) <= 20
    assert missed(2e-5, 500) <= 150


def test_anything_but_a_float64_scalar_function_goes_to_the_full_check():
    gradient = loss_gradient(W0)
    assert not directional_agreement(gradient, W0, evaluate_with(lambda W: np.float32(loss(W))))
    assert not directional_agreement(gradient, W0, evaluate_with(lambda W: np.array([loss(W)])))
    assert not directional_agreement(gradient, W0, evaluate_with(lambda W: np.nan))
    assert not directional_agreement(np.full(W0.shape, np.inf), W0, evaluate_with(loss))


def test_layouts_that_only_rearrange_entries_are_undone():
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(to_native(g.T, lambda d: d.T, (2, 3)), g)
    np.testing.assert_array_equal(to_native(g.reshape(1, 6), lambda d: d.reshape(1, 6), (2, 3)), g)
    assert to_native(np.ones(3), np.diag, (3, 3)) is None  # drops entries: checked entry by entry
    assert to_native(np.ones((3, 2)), None, (2, 3)) is None


def derivative_context(functions: dict, counter: list) -> CaseContext:
    caller = ReferenceCaller(functions)
    counting = type("Counting", (), {"call": lambda self, name, args, keep_args=False: (
        counter.append(name), caller.call(name, args, keep_args=keep_args))[1]})()
    return CaseContext(student=counting, reference=None, inputs=lambda: (W0.copy(),),
                       contract={"loss": ("W",), "gradient": ("W",)}, reveal=True)


def test_derivative_checks_use_directions_and_explain_failures_entry_by_entry():
    check = DerivativeAgrees("gradient", "loss", wrt=0)
    assert W0.size >= FAST_ENTRIES
    calls = []
    assert check.run(derivative_context({"loss": loss, "gradient": loss_gradient}, calls)).passed
    assert calls.count("loss") == 4
    calls = []
    wrong = check.run(derivative_context({"loss": loss, "gradient": lambda W: loss_gradient(W) * (W != W0[0, 3])},
                                         calls))
    assert not wrong.passed and "1 of 35 entries" in wrong.message and "at [0, 3]" in wrong.message
    assert calls.count("loss") == 4 + 2 * W0.size
