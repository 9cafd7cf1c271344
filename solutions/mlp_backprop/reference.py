"""Reference solution of mlp_backprop (CURRICULUM.md section 4).

Layout of the lecture: X (N, n), Y (N, k), W_i (out, in), b_i (out,),
Z_i = A_{i-1} @ W_i.T + b_i. Each function is self-contained or calls other
contract functions by name: the grader pastes these sources into the student
notebook to prove that a correct notebook earns full marks.
"""

import numpy as np


def linear_forward(X, W, b):
    return X @ W.T + b


def activation(name, Z):
    Z = np.asarray(Z, dtype=float)
    if name == "identity":
        return Z.copy()  # a new array: the caller's Z must not change with the result
    if name == "sigmoid":
        e = np.exp(-np.abs(Z))  # the exponent is <= 0, so it never overflows
        return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.maximum(Z, 0.0)
    raise ValueError(f"unknown activation {name!r}")


def activation_derivative(name, Z):
    Z = np.asarray(Z, dtype=float)
    if name == "identity":
        return np.ones_like(Z)
    if name == "sigmoid":
        s = activation("sigmoid", Z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(Z) ** 2
    if name == "relu":
        return (Z > 0).astype(float)  # the subgradient at the kink Z = 0 is 0
    raise ValueError(f"unknown activation {name!r}")


def init_params(sizes, seed):
    rng = np.random.default_rng(seed)
    params = {}
    for i in range(1, len(sizes)):
        # scale 1/sqrt(fan_in) keeps every Z of order one, whatever the width
        params[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1]))
        params[f"b{i}"] = np.zeros(sizes[i])
    return params


def mlp_forward(X, params, activations):
    A = np.asarray(X, dtype=float)
    inputs, preactivations = [], []
    for i, name in enumerate(activations, start=1):
        Z = linear_forward(A, params[f"W{i}"], params[f"b{i}"])
        inputs.append(A)
        preactivations.append(Z)
        A = activation(name, Z)
    return A, {"A_prev": inputs, "Z": preactivations, "A_out": A}


def mlp_backward(Y, params, cache, activations, loss):
    A, Z_out = cache["A_out"], cache["Z"][-1]
    N = Y.shape[0]
    output = activations[-1]
    if (output, loss) in (("identity", "mse"), ("sigmoid", "bce")):
        dZ = (A - Y) / N  # the shortcut: the output derivative cancels against the loss's
    else:
        if loss == "mse":
            dA = (A - Y) / N
        elif loss == "bce":
            dA = (-Y / A + (1 - Y) / (1 - A)) / N
        else:
            raise ValueError(f"unknown loss {loss!r}")
        dZ = dA * activation_derivative(output, Z_out)
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = dZ.T @ cache["A_prev"][i - 1]
        grads[f"db{i}"] = dZ.sum(axis=0)
        if i > 1:
            dA_prev = dZ @ params[f"W{i}"]
            dZ = dA_prev * activation_derivative(activations[i - 2], cache["Z"][i - 2])
    return grads


def mlp_loss(Y, A_out, loss):
    N = Y.shape[0]
    if loss == "mse":
        return float(0.5 * np.sum((Y - A_out) ** 2) / N)
    if loss == "bce":
        return float(np.sum(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)) / N)
    raise ValueError(f"unknown loss {loss!r}")


def gradient_descent_2d(x0, lr, steps):
    def gradient(x):  # f(x1, x2) = x1^2 + x1 x2 + 4 x2^2
        return np.array([2 * x[0] + x[1], x[0] + 8 * x[1]])

    path = np.empty((steps + 1, 2))
    path[0] = x0
    for k in range(steps):
        path[k + 1] = path[k] - lr * gradient(path[k])
    return path


def has_converged(f_prev, f_curr, grad, eps1, eps2):
    return bool(abs(f_curr - f_prev) < eps1 or np.linalg.norm(grad) < eps2)
