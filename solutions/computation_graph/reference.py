"""Reference solution of computation_graph (CURRICULUM.md section 2).

Each function is self-contained or calls other contract functions by name:
the grader pastes these sources into the student notebook to prove that a
correct notebook earns full marks.
"""

import numpy as np


def forward(a, b, c):
    u = b * c
    v = a + u
    J = 2 * v
    return u, v, J


def backward(a, b, c):
    dJ_dv = 2.0
    dJ_da = dJ_dv * 1.0  # dv/da = 1
    dJ_du = dJ_dv * 1.0  # dv/du = 1
    dJ_db = dJ_du * c    # du/db = c
    dJ_dc = dJ_du * b    # du/dc = b
    return dJ_da, dJ_db, dJ_dc


def forward_difference(f, x, h):
    return float((f(x + h) - f(x)) / h)


def central_difference(f, x, h):
    return float((f(x + h) - f(x - h)) / (2 * h))


def difference_errors(f, df, x, hs):
    exact = df(x)
    forward_errors = np.array([abs(forward_difference(f, x, h) - exact) for h in hs], dtype=float)
    central_errors = np.array([abs(central_difference(f, x, h) - exact) for h in hs], dtype=float)
    return forward_errors, central_errors


def logistic_gradients_loop(X, y, w, b):
    M, N = X.shape
    dw = np.zeros(N)
    db = 0.0
    for m in range(M):
        z = b
        for n in range(N):
            z += w[n] * X[m, n]
        y_hat = 1.0 / (1.0 + np.exp(-z))
        for n in range(N):
            dw[n] += (y_hat - y[m]) * X[m, n]
        db += y_hat - y[m]  # once per sample, outside the feature loop
    return dw / M, float(db / M)


def logistic_gradients_vectorized(X, y, w, b):
    M = X.shape[0]
    y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    dw = (y_hat - y) @ X / M
    db = np.sum(y_hat - y) / M
    return dw, float(db)


def gradient_descent(X, y, w, b, lr, eps, max_iters):
    w = np.array(w, dtype=float)
    b = float(b)
    losses = []
    for _ in range(max_iters):
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        if J <= eps:
            break  # stop without stepping: (w, b) is where losses[-1] was computed
        # otherwise step, after the last evaluation too: max_iters evaluations, max_iters steps
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w = w - lr * dw
        b = b - lr * db  # the slide writes dJ/dw here: a typo
    return w, b, np.array(losses)
