import numpy as np

from autograder.checks.gradient import numerical_derivative
from autograder.checks.layouts import numerator_layout


def test_scalar_function_gives_a_row():
    W = np.array([[1.0], [2.0], [3.0]])
    derivative = numerical_derivative(lambda w: np.sum(w ** 2), W)
    row = numerator_layout(0)(derivative)
    assert row.shape == (1, 3)
    np.testing.assert_allclose(row, 2 * W.T, rtol=1e-8)


def test_column_function_of_column_gives_rows_per_output():
    X = np.arange(8.0).reshape(4, 2)
    W = np.array([[0.5], [-1.0]])
    derivative = numerical_derivative(lambda w: X @ w, W)
    assert derivative.shape == (4, 1, 2, 1)
    np.testing.assert_allclose(numerator_layout(2)(derivative), X, rtol=1e-8)


def test_elementwise_function_gives_a_diagonal():
    z = np.array([[0.3], [-0.7], [1.1]])
    jacobian = numerator_layout(2)(numerical_derivative(np.tanh, z))
    np.testing.assert_allclose(jacobian, np.diag(1 - np.tanh(z.ravel()) ** 2), atol=1e-9)
