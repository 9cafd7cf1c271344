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
