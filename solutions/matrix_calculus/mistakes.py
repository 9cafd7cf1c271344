"""Typical wrong answers to matrix_calculus; each must lose points on the
question it targets (``autograder validate`` proves it).

Two slips one might expect are absent on purpose: transposing the softmax
Jacobian (diag(p) - p p^T is symmetric) and swapping k and i in the matrix-vector
derivative (D[k, i, j] = [i == k] x_j is symmetric in k and i) give the same
arrays, so they are not mistakes.
"""

import numpy as np

from autograder.spec import MistakeLibrary

MISTAKES = MistakeLibrary()

MISTAKES.edit('forward differences instead of central differences', 'numerical_jacobian',
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)\n        columns.append(np.atleast_1d(change / (2 * eps)))',
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x), dtype=float)\n        columns.append(np.atleast_1d(change / eps))')


@MISTAKES.add("Jacobian laid out (p, q): one row per input instead of one row per output")
def numerical_jacobian(g, x, eps):  # noqa: F811
    x = np.asarray(x, dtype=float)
    rows = []
    for j in range(x.shape[0]):
        step = np.zeros_like(x)
        step[j] = eps
        rows.append(np.atleast_1d((np.asarray(g(x + step)) - np.asarray(g(x - step))) / (2 * eps)))
    return np.stack(rows, axis=0)


@MISTAKES.add("perturbs x in place, so x is not restored exactly")
def numerical_jacobian(g, x, eps):  # noqa: F811
    columns = []
    for j in range(x.shape[0]):
        x[j] += eps
        plus = np.atleast_1d(np.asarray(g(x.copy()), dtype=float))
        x[j] -= 2 * eps
        minus = np.atleast_1d(np.asarray(g(x.copy()), dtype=float))
        x[j] += eps
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1)

MISTAKES.edit('central difference divided by eps instead of 2*eps', 'numerical_jacobian',
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)\n        columns.append(np.atleast_1d(change / (2 * eps)))',
              '        columns.append(np.atleast_1d((np.asarray(g(x + step)) - np.asarray(g(x - step))) / eps))')


@MISTAKES.add("Jacobian built as np.array([...]).T: a scalar g gives a 1-D (p,) array instead of (1, p)")
def numerical_jacobian(g, x, eps):  # noqa: F811
    steps = eps * np.eye(x.shape[0])
    return np.array([(g(x + step) - g(x - step)) / (2 * eps) for step in steps]).T

MISTAKES.edit('chain rule in the wrong order: Dg(x) @ Df(g(x))', 'compose_jacobian',
              'Df_at_gx @ Dg_at_x',
              'Dg_at_x @ Df_at_gx')


@MISTAKES.add("MSE gradient with the sign flipped: 2 (y - y_hat) / n")
def loss_and_gradient(name, y, y_hat):
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y - y_hat) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("gradients without the 1/n of the mean")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y)
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y)
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0)
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat)))


@MISTAKES.add("MAE gradient +1/n at y_hat = y instead of the subgradient 0")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.where(y_hat >= y, 1.0, -1.0) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("hinge treats the labels as 0/1 and maps them to -1/+1 with 2y - 1")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        s = 2 * y - 1
        return float(np.mean(np.maximum(0.0, 1 - s * y_hat))), np.where(s * y_hat < 1, -s, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("hinge gradient -y/n also at margin exactly 1 (<= instead of <)")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat <= 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("zero-one loss counts a score of exactly 0 as correct (< instead of <=)")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat < 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("cross-entropy gradient (y_hat - y)/n: the shortcut that holds for the logit, not for y_hat")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))), (y_hat - y) / n


@MISTAKES.add("residual and margin computed in place on y_hat (r = y_hat; r -= y), changing the caller's y_hat")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name in ("mse", "mae"):
        r = y_hat
        r -= y
        if name == "mse":
            return float(np.mean(r ** 2)), 2 * r / n
        return float(np.mean(np.abs(r))), np.sign(r) / n
    if name == "hinge":
        margin = y_hat
        margin *= y
        return float(np.mean(np.maximum(0.0, 1 - margin))), np.where(margin < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("zero-one gradient -y/n on misclassified samples (the perceptron's update) instead of 0")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.where(y * y_hat <= 0, -y, 0.0) / n
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))


@MISTAKES.add("zero-one loss as the number of errors instead of their mean")
def loss_and_gradient(name, y, y_hat):  # noqa: F811
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        return float(np.mean(np.maximum(0.0, 1 - y * y_hat))), np.where(y * y_hat < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.sum(y * y_hat <= 0)), np.zeros(n)
    return (float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))),
            (y_hat - y) / (y_hat * (1 - y_hat) * n))

MISTAKES.edit('matrix derivative flattened to (q, q*p)', 'matvec_weight_derivative',
              '    q = W.shape[0]\n    # D[k, i, j] = [i == k] * x[j]\n    return np.einsum("ki,j->kij", np.eye(q), np.asarray(x, dtype=float))',
              '    q, p = W.shape\n    return np.einsum("ki,j->kij", np.eye(q), x).reshape(q, q * p)')

MISTAKES.edit('matrix derivative laid out D[i, j, k] (shape (q, p, q)) instead of D[k, i, j]', 'matvec_weight_derivative',
              'kij", np.eye(q), np.asarray(x, dtype=float)',
              'ijk", np.eye(q), x')

MISTAKES.edit('W in place of x: the derivative with respect to x confused with the one with respect to W', 'matvec_weight_derivative',
              'j->kij", np.eye(q), np.asarray(x, dtype=float)',
              'ij->kij", np.eye(q), W')


@MISTAKES.add("phi instead of phi' in the single-layer gradient")
def single_layer_grad(W, x, phi):
    g = W @ x
    value = 0.5 * (1 + np.tanh(g / 2)) if phi == "sigmoid" else np.tanh(g)
    return np.einsum("k,ki,j->kij", value, np.eye(W.shape[0]), x)


@MISTAKES.add("tanh derivative 1 - tanh instead of 1 - tanh squared")
def single_layer_grad(W, x, phi):  # noqa: F811
    g = W @ x
    if phi == "sigmoid":
        s = 0.5 * (1 + np.tanh(g / 2))
        slope = s * (1 - s)
    else:
        slope = 1 - np.tanh(g)
    return np.einsum("k,ki,j->kij", slope, np.eye(W.shape[0]), x)


@MISTAKES.add("first-layer gradient without the derivative of the hidden sigmoid")
def two_layer_grads(W1, W2, x, y):
    z = 0.5 * (1 + np.tanh(W1 @ x / 2))
    y_hat = 0.5 * (1 + np.tanh(W2 @ z / 2))
    delta2 = (y_hat - y) * y_hat * (1 - y_hat)
    return np.outer(W2.T @ delta2, x), np.outer(delta2, z)


@MISTAKES.add("weight gradients transposed: outer(input, delta) of shape (in, out)")
def two_layer_grads(W1, W2, x, y):  # noqa: F811
    z = 0.5 * (1 + np.tanh(W1 @ x / 2))
    y_hat = 0.5 * (1 + np.tanh(W2 @ z / 2))
    delta2 = (y_hat - y) * y_hat * (1 - y_hat)
    delta1 = (W2.T @ delta2) * z * (1 - z)
    return np.outer(x, delta1), np.outer(z, delta2)

MISTAKES.edit('softmax without subtracting the maximum: overflows at 1000', 'softmax',
              '    Z = np.asarray(Z, dtype=float)\n    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))',
              '    e = np.exp(Z)')

MISTAKES.edit('softmax normalised over the whole array instead of along the last axis', 'softmax',
              '    Z = np.asarray(Z, dtype=float)\n    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))\n    return e / np.sum(e, axis=-1, keepdims=True)',
              '    e = np.exp(Z - np.max(Z))\n    return e / np.sum(e)')

MISTAKES.edit('softmax written for batches only: axis=1 fails on a 1-D Z', 'softmax',
              '    Z = np.asarray(Z, dtype=float)\n    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))\n    return e / np.sum(e, axis=-1, keepdims=True)',
              '    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))\n    return e / np.sum(e, axis=1, keepdims=True)')

MISTAKES.edit("maximum subtracted in place (Z -= max), changing the caller's Z", 'softmax',
              '    Z = np.asarray(Z, dtype=float)\n    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))',
              '    Z -= np.max(Z, axis=-1, keepdims=True)\n    e = np.exp(Z)')

MISTAKES.edit('softmax Jacobian without the outer product: only the diagonal p(1 - p)', 'softmax_jacobian',
              'p) - np.outer(p, p',
              'p * (1 - p)')

MISTAKES.edit('softmax Jacobian with the sign flipped: p p^T - diag(p)', 'softmax_jacobian',
              'np.diag(p) - np.outer(p, p',
              'np.outer(p, p) - np.diag(p')

MISTAKES.edit('softmax Jacobian with its own softmax, without subtracting the maximum: overflows at 1000', 'softmax_jacobian',
              '    p = softmax(z)',
              '    e = np.exp(z)\n    p = e / np.sum(e)')

MISTAKES.edit('classes numbered 1..K as on the slide: one-hot of y - 1', 'softmax_cross_entropy_grad',
              '    onehot[np.arange(N), y] = 1.0',
              '    onehot[np.arange(N), y - 1] = 1.0')


@MISTAKES.add("cross-entropy gradient without the 1/N of the mean")
def softmax_cross_entropy_grad(Z, y):  # noqa: F811
    onehot = np.eye(Z.shape[1])[y]
    return softmax(Z) - onehot


@MISTAKES.add("cross-entropy gradient with its own softmax, the maximum subtracted in place (Z -= max)")
def softmax_cross_entropy_grad(Z, y):  # noqa: F811
    N = Z.shape[0]
    Z -= np.max(Z, axis=1, keepdims=True)
    P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)
    P[np.arange(N), y] -= 1
    return P / N

MISTAKES.edit('softmax with the maximum subtracted in the numerator only: exp(Z - max) / sum(exp(Z))', 'softmax',
              '    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))\n    return e / np.sum(e, axis=-1, keepdims=True)',
              '    return np.exp(Z - np.max(Z, axis=-1, keepdims=True)) / np.sum(np.exp(Z), axis=-1, keepdims=True)')

MISTAKES.edit("softmax computed in float32 (np.asarray(Z, dtype=np.float32), PyTorch's default), not float64", 'softmax',
              'float',
              'np.float32')


@MISTAKES.add("while loop over the columns without j += 1: numerical_jacobian never returns")
def numerical_jacobian(g, x, eps):  # noqa: F811
    x = np.asarray(x, dtype=float)
    p = x.shape[0]
    J = None
    j = 0
    while j < p:
        step = np.zeros_like(x)
        step[j] = eps
        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)
        column = np.atleast_1d(change / (2 * eps))
        if J is None:
            J = np.zeros((column.shape[0], p))
        J[:, j] = column
    return J
