"""Reference solution of matrix_calculus (CURRICULUM.md section 5).

Each function is self-contained or calls other contract functions by name:
the grader pastes these sources into the student notebook to prove that a
correct notebook earns full marks.
"""

import numpy as np


def numerical_jacobian(g, x, eps):
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.shape[0]):
        step = np.zeros_like(x)
        step[j] = eps
        change = np.asarray(g(x + step), dtype=float) - np.asarray(g(x - step), dtype=float)
        columns.append(np.atleast_1d(change / (2 * eps)))
    return np.stack(columns, axis=1)


def compose_jacobian(Df_at_gx, Dg_at_x):
    return Df_at_gx @ Dg_at_x


def loss_and_gradient(name, y, y_hat):
    y = np.asarray(y, dtype=float)
    y_hat = np.asarray(y_hat, dtype=float)
    n = y.shape[0]
    if name == "mse":
        return float(np.mean((y - y_hat) ** 2)), 2 * (y_hat - y) / n
    if name == "mae":
        return float(np.mean(np.abs(y - y_hat))), np.sign(y_hat - y) / n
    if name == "hinge":
        margin = y * y_hat
        return float(np.mean(np.maximum(0.0, 1 - margin))), np.where(margin < 1, -y, 0.0) / n
    if name == "zero_one":
        return float(np.mean(y * y_hat <= 0)), np.zeros(n)
    if name == "cross_entropy":
        loss = np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
        return float(loss), (y_hat - y) / (y_hat * (1 - y_hat) * n)
    raise ValueError(f"unknown loss {name!r}")


def matvec_weight_derivative(W, x):
    q = W.shape[0]
    # D[k, i, j] = [i == k] * x[j]
    return np.einsum("ki,j->kij", np.eye(q), np.asarray(x, dtype=float))


def single_layer_grad(W, x, phi):
    g = W @ x
    if phi == "sigmoid":
        s = 0.5 * (1 + np.tanh(g / 2))  # sigmoid without overflow
        slope = s * (1 - s)
    elif phi == "tanh":
        slope = 1 - np.tanh(g) ** 2
    else:
        raise ValueError(f"unknown activation {phi!r}")
    # dz_k/dW_ij = phi'(g_k) * [i == k] * x[j]
    return np.einsum("k,ki,j->kij", slope, np.eye(W.shape[0]), np.asarray(x, dtype=float))


def two_layer_grads(W1, W2, x, y):
    def sigmoid(v):
        return 0.5 * (1 + np.tanh(v / 2))  # equals 1 / (1 + exp(-v)), without overflow

    z = sigmoid(W1 @ x)
    y_hat = sigmoid(W2 @ z)
    delta2 = (y_hat - y) * y_hat * (1 - y_hat)  # dL/d(W2 z)
    delta1 = (W2.T @ delta2) * z * (1 - z)      # dL/d(W1 x)
    return np.outer(delta1, x), np.outer(delta2, z)


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_jacobian(z):
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


def softmax_cross_entropy_grad(Z, y):
    N, K = Z.shape
    onehot = np.zeros((N, K))
    onehot[np.arange(N), y] = 1.0
    return (softmax(Z) - onehot) / N
