"""Typical wrong answers to matrix_calculus; each must lose points on the
question it targets (``autograder validate`` proves it).

Two slips one might expect are absent on purpose: transposing the softmax
Jacobian (diag(p) - p p^T is symmetric) and swapping k and i in the matrix-vector
derivative (D[k, i, j] = [i == k] x_j is symmetric in k and i) give the same
arrays, so they are not mistakes.
"""

import numpy as np

from autograder.mistake_library import MistakeLibrary

MISTAKES = MistakeLibrary()

MISTAKES.edit('forward differences instead of central differences', 'numerical_jacobian',
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)\n        columns.append(np.atleast_1d(change / (2 * eps)))',
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x), dtype=float)\n        columns.append(np.atleast_1d(change / eps))')

MISTAKES.edit("Jacobian laid out (p, q): one row per input instead of one row per output", 'numerical_jacobian',
              'np.stack(columns, axis=1)', 'np.stack(columns, axis=0)')

MISTAKES.edit("perturbs x in place, so x is not restored exactly", 'numerical_jacobian',
              '        step = np.zeros_like(x)\n'
              '        step[j] = eps\n'
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)\n'
              '        columns.append(np.atleast_1d(change / (2 * eps)))\n',
              '        x[j] += eps\n'
              '        plus = np.atleast_1d(np.asarray(g(x.copy()), dtype=float))\n'
              '        x[j] -= 2 * eps\n'
              '        minus = np.atleast_1d(np.asarray(g(x.copy()), dtype=float))\n'
              '        x[j] += eps\n'
              '        columns.append((plus - minus) / (2 * eps))\n')

MISTAKES.edit('central difference divided by eps instead of 2*eps', 'numerical_jacobian',
              '        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)\n        columns.append(np.atleast_1d(change / (2 * eps)))',
              '        columns.append(np.atleast_1d((np.asarray(g(x + step)) - np.asarray(g(x - step))) / eps))')

MISTAKES.edit("Jacobian built as np.array([...]).T: a scalar g gives a 1-D (p,) array instead of (1, p)",
              'numerical_jacobian', 'columns.append(np.atleast_1d(change / (2 * eps)))', 'columns.append(change / (2 * eps))',
              also=[('np.stack(columns, axis=1)', 'np.array(columns).T')])

MISTAKES.edit('chain rule in the wrong order: Dg(x) @ Df(g(x))', 'compose_jacobian',
              'Df_at_gx @ Dg_at_x',
              'Dg_at_x @ Df_at_gx')

MISTAKES.edit("MSE gradient with the sign flipped: 2 (y - y_hat) / n", 'loss_and_gradient',
              '2 * (y_hat - y) / n', '2 * (y - y_hat) / n')

MISTAKES.edit("gradients without the 1/n of the mean", 'loss_and_gradient',
              '2 * (y_hat - y) / n', '2 * (y_hat - y)',
              also=[('np.sign(y_hat - y) / n', 'np.sign(y_hat - y)'),
                    ('np.where(margin < 1, -y, 0.0) / n', 'np.where(margin < 1, -y, 0.0)'),
                    ('(y_hat * (1 - y_hat) * n)', '(y_hat * (1 - y_hat))')])

MISTAKES.edit("MAE gradient +1/n at y_hat = y instead of the subgradient 0", 'loss_and_gradient',
              'np.sign(y_hat - y) / n', 'np.where(y_hat >= y, 1.0, -1.0) / n')

MISTAKES.edit("hinge treats the labels as 0/1 and maps them to -1/+1 with 2y - 1", 'loss_and_gradient',
              '        margin = y * y_hat', '        s = 2 * y - 1\n        margin = s * y_hat',
              also=[('np.where(margin < 1, -y, 0.0)', 'np.where(margin < 1, -s, 0.0)')])

MISTAKES.edit("hinge gradient -y/n also at margin exactly 1 (<= instead of <)", 'loss_and_gradient',
              'np.where(margin < 1', 'np.where(margin <= 1')

MISTAKES.edit("zero-one loss counts a score of exactly 0 as correct (< instead of <=)", 'loss_and_gradient',
              'np.mean(y * y_hat <= 0)', 'np.mean(y * y_hat < 0)')

MISTAKES.edit("cross-entropy gradient (y_hat - y)/n: the shortcut that holds for the logit, not for y_hat",
              'loss_and_gradient', '(y_hat - y) / (y_hat * (1 - y_hat) * n)', '(y_hat - y) / n')

MISTAKES.edit("residual and margin computed in place on y_hat (r = y_hat; r -= y), changing the caller's y_hat",
              'loss_and_gradient',
              '    if name == "mse":\n'
              '        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n\n'
              '    if name == "mae":\n'
              '        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n\n',
              '    if name in ("mse", "mae"):\n'
              '        r = y_hat\n'
              '        r -= y\n'
              '        if name == "mse":\n'
              '            return float(np.mean(r ** 2)), 2 * r / n\n'
              '        return float(np.mean(np.abs(r))), np.sign(r) / n\n',
              also=[('        margin = y * y_hat\n', '        margin = y_hat\n        margin *= y\n')])

MISTAKES.edit("zero-one gradient -y/n on misclassified samples (the perceptron's update) instead of 0",
              'loss_and_gradient', 'np.zeros(n)', 'np.where(y * y_hat <= 0, -y, 0.0) / n')

MISTAKES.edit("zero-one loss as the number of errors instead of their mean", 'loss_and_gradient',
              'np.mean(y * y_hat <= 0)', 'np.sum(y * y_hat <= 0)')

MISTAKES.edit('matrix derivative flattened to (q, q*p)', 'matvec_weight_derivative',
              '    q = W.shape[0]\n    # D[k, i, j] = [i == k] * x[j]\n    return np.einsum("ki,j->kij", np.eye(q), np.asarray(x, dtype=float))',
              '    q, p = W.shape\n    return np.einsum("ki,j->kij", np.eye(q), x).reshape(q, q * p)')

MISTAKES.edit('matrix derivative laid out D[i, j, k] (shape (q, p, q)) instead of D[k, i, j]', 'matvec_weight_derivative',
              'kij", np.eye(q), np.asarray(x, dtype=float)',
              'ijk", np.eye(q), x')

MISTAKES.edit('W in place of x: the derivative with respect to x confused with the one with respect to W', 'matvec_weight_derivative',
              'j->kij", np.eye(q), np.asarray(x, dtype=float)',
              'ij->kij", np.eye(q), W')

MISTAKES.edit("phi instead of phi' in the single-layer gradient", 'single_layer_grad',
              '        slope = s * (1 - s)', '        slope = s',
              also=[('        slope = 1 - np.tanh(g) ** 2', '        slope = np.tanh(g)')])

MISTAKES.edit("tanh derivative 1 - tanh instead of 1 - tanh squared", 'single_layer_grad',
              '1 - np.tanh(g) ** 2', '1 - np.tanh(g)')

MISTAKES.edit("first-layer gradient without the derivative of the hidden sigmoid", 'two_layer_grads',
              'delta1 = (W2.T @ delta2) * z * (1 - z)', 'delta1 = W2.T @ delta2')

MISTAKES.edit("weight gradients transposed: outer(input, delta) of shape (in, out)", 'two_layer_grads',
              'np.outer(delta1, x), np.outer(delta2, z)', 'np.outer(x, delta1), np.outer(z, delta2)')

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

MISTAKES.edit("cross-entropy gradient without the 1/N of the mean", 'softmax_cross_entropy_grad',
              '    return (softmax(Z) - onehot) / N', '    return softmax(Z) - onehot')

MISTAKES.edit("cross-entropy gradient with its own softmax, the maximum subtracted in place (Z -= max)",
              'softmax_cross_entropy_grad',
              '    onehot[np.arange(N), y] = 1.0\n',
              '    onehot[np.arange(N), y] = 1.0\n    Z -= np.max(Z, axis=1, keepdims=True)\n',
              also=[('(softmax(Z) - onehot)', '(np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True) - onehot)')])

MISTAKES.edit('softmax with the maximum subtracted in the numerator only: exp(Z - max) / sum(exp(Z))', 'softmax',
              '    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))\n    return e / np.sum(e, axis=-1, keepdims=True)',
              '    return np.exp(Z - np.max(Z, axis=-1, keepdims=True)) / np.sum(np.exp(Z), axis=-1, keepdims=True)')

MISTAKES.edit("softmax computed in float32 (np.asarray(Z, dtype=np.float32), PyTorch's default), not float64", 'softmax',
              'float',
              'np.float32')


# Whole: the Jacobian is filled by a loop written from scratch (one that never advances), not a change of the
# reference.
@MISTAKES.add("while loop over the columns without j += 1: numerical_jacobian never returns")
def numerical_jacobian(g, x, eps):
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
