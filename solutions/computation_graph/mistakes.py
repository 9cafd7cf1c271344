"""Typical wrong answers to computation_graph; each must lose points on the
question it targets (``autograder validate`` proves it)."""

import numpy as np

from autograder.spec import MistakeLibrary

MISTAKES = MistakeLibrary()

MISTAKES.edit('J = 2a + bc: the factor 2 applied to a only', 'forward',
              '    J = 2 * v\n    return u, v, J',
              '    return u, v, 2 * a + u')


@MISTAKES.add("chain rule crossed: dJ/db = 2b and dJ/dc = 2c")
def backward(a, b, c):
    return 2.0, 2.0 * b, 2.0 * c


@MISTAKES.add("the outer factor dJ/dv = 2 forgotten")
def backward(a, b, c):  # noqa: F811
    return 1.0, c, b

MISTAKES.edit('forward difference divided by 2h', 'forward_difference',
              '    return float((f(x + h) - f(x)) / h)',
              '    return float((f(x + h) - f(x)) / (2 * h))')

MISTAKES.edit('central difference divided by h instead of 2h', 'central_difference', '(2 * h)', 'h')

MISTAKES.edit('errors not absolute: approximation - df(x) keeps its sign', 'difference_errors',
              '    forward_errors = np.array([abs(forward_difference(f, x, h) - exact) for h in hs], dtype=float)\n    central_errors = np.array([abs(central_difference(f, x, h) - exact) for h in hs], dtype=float)',
              '    forward_errors = np.array([forward_difference(f, x, h) - exact for h in hs], dtype=float)\n    central_errors = np.array([central_difference(f, x, h) - exact for h in hs], dtype=float)')


@MISTAKES.add("returns the approximations instead of their errors")
def difference_errors(f, df, x, hs):  # noqa: F811
    forward_values = np.array([forward_difference(f, x, h) for h in hs], dtype=float)
    central_values = np.array([central_difference(f, x, h) for h in hs], dtype=float)
    return forward_values, central_values


@MISTAKES.add("db accumulated inside the feature loop (N times per sample)")
def logistic_gradients_loop(X, y, w, b):
    M, N = X.shape
    dw = np.zeros(N)
    db = 0.0
    for m in range(M):
        y_hat = 1.0 / (1.0 + np.exp(-(X[m] @ w + b)))
        for n in range(N):
            dw[n] += (y_hat - y[m]) * X[m, n]
            db += y_hat - y[m]
    return dw / M, float(db / M)


@MISTAKES.add("missing 1/M: sums instead of means")
def logistic_gradients_loop(X, y, w, b):  # noqa: F811
    M, N = X.shape
    dw = np.zeros(N)
    db = 0.0
    for m in range(M):
        y_hat = 1.0 / (1.0 + np.exp(-(X[m] @ w + b)))
        for n in range(N):
            dw[n] += (y_hat - y[m]) * X[m, n]
        db += y_hat - y[m]
    return dw, float(db)


@MISTAKES.add("y - y_hat instead of y_hat - y (the gradient of -J)")
def logistic_gradients_loop(X, y, w, b):  # noqa: F811
    M, N = X.shape
    dw = np.zeros(N)
    db = 0.0
    for m in range(M):
        y_hat = 1.0 / (1.0 + np.exp(-(X[m] @ w + b)))
        for n in range(N):
            dw[n] += (y[m] - y_hat) * X[m, n]
        db += y[m] - y_hat
    return dw / M, float(db / M)


@MISTAKES.add("vectorized version that still loops over the samples")
def logistic_gradients_vectorized(X, y, w, b):
    M, N = X.shape
    dw = np.zeros(N)
    db = 0.0
    for m in range(M):
        y_hat = 1.0 / (1.0 + np.exp(-(X[m] @ w + b)))
        dw = dw + (y_hat - y[m]) * X[m]
        db += y_hat - y[m]
    return dw / M, float(db / M)


@MISTAKES.add("bias b left out of z = Xw + b")
def logistic_gradients_vectorized(X, y, w, b):  # noqa: F811
    y_hat = 1.0 / (1.0 + np.exp(-(X @ w)))
    return (y_hat - y) @ X / X.shape[0], float(np.mean(y_hat - y))


@MISTAKES.add("the slide's typo: b updated with dJ/dw")
def gradient_descent(X, y, w, b, lr, eps, max_iters):
    w = np.array(w, dtype=float)
    losses = []
    for _ in range(max_iters):
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        if J <= eps:
            break
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w = w - lr * dw
        b = b - lr * dw
    return w, b, np.array(losses)


@MISTAKES.add("loss appended after the step instead of before")
def gradient_descent(X, y, w, b, lr, eps, max_iters):  # noqa: F811
    w = np.array(w, dtype=float)
    b = float(b)
    losses = []
    for _ in range(max_iters):
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w = w - lr * dw
        b = b - lr * db
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        if J <= eps:
            break
    return w, b, np.array(losses)


@MISTAKES.add("steps even when J <= eps: (w, b) moved past the point where the stopping loss was computed")
def gradient_descent(X, y, w, b, lr, eps, max_iters):  # noqa: F811
    w = np.array(w, dtype=float)
    b = float(b)
    losses = []
    for _ in range(max_iters):
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w = w - lr * dw
        b = b - lr * db
        if J <= eps:
            break
    return w, b, np.array(losses)


@MISTAKES.add("loop runs max_iters + 1 times (<= instead of <)")
def gradient_descent(X, y, w, b, lr, eps, max_iters):  # noqa: F811
    w = np.array(w, dtype=float)
    b = float(b)
    losses = []
    iteration = 0
    while iteration <= max_iters:
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        if J <= eps:
            break
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w = w - lr * dw
        b = b - lr * db
        iteration += 1
    return w, b, np.array(losses)


@MISTAKES.add("w updated in place: the caller's array changes")
def gradient_descent(X, y, w, b, lr, eps, max_iters):  # noqa: F811
    b = float(b)
    losses = []
    for _ in range(max_iters):
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        if J <= eps:
            break
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w -= lr * dw
        b = b - lr * db
    return w, b, np.array(losses)


@MISTAKES.add("no step after the last evaluation: max_iters evaluations but only max_iters - 1 steps")
def gradient_descent(X, y, w, b, lr, eps, max_iters):  # noqa: F811
    w = np.array(w, dtype=float)
    b = float(b)
    losses = []
    for iteration in range(max_iters):
        y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        J = float(np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))))
        losses.append(J)
        if J <= eps or iteration == max_iters - 1:
            break
        dw, db = logistic_gradients_vectorized(X, y, w, b)
        w = w - lr * dw
        b = b - lr * db
    return w, b, np.array(losses)

MISTAKES.edit("forward returns (J, v, u): the graph's values in reverse order", 'forward',
              '    return u, v, J',
              '    return J, v, u')


@MISTAKES.add("dw accumulated in an np.zeros(N, dtype=np.float32) array, not the contract's float64")
def logistic_gradients_loop(X, y, w, b):  # noqa: F811
    M, N = X.shape
    dw = np.zeros(N, dtype=np.float32)
    db = 0.0
    for m in range(M):
        y_hat = 1.0 / (1.0 + np.exp(-(X[m] @ w + b)))
        for n in range(N):
            dw[n] += (y_hat - y[m]) * X[m, n]
        db += y_hat - y[m]
    return dw / M, float(db / M)


@MISTAKES.add("while loop over the step sizes without k += 1: difference_errors never returns")
def difference_errors(f, df, x, hs):  # noqa: F811
    exact = df(x)
    forward_errors, central_errors = np.zeros(len(hs)), np.zeros(len(hs))
    k = 0
    while k < len(hs):
        forward_errors[k] = abs(forward_difference(f, x, hs[k]) - exact)
        central_errors[k] = abs(central_difference(f, x, hs[k]) - exact)
    return forward_errors, central_errors
