"""Reference solution of jacobians (CURRICULUM.md section 3).

The lecture's two scripts, cut into functions. Every Jacobian is in numerator
layout (one row per entry of the output, one column per entry of the input).
Each function is self-contained or calls other contract functions by name:
the grader pastes these sources into the student notebook.
"""

import numpy as np


def linreg_jacobians(X, Y, W, b):
    N = X.shape[0]
    Pred = X @ W + b
    return {
        "dJ_dJ0": np.ones((1, N)) / N,
        "dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()),
        "dPred_dW": np.array(X, dtype=float),  # a copy: the caller's X must not change with it
        "dPred_db": np.ones((N, 1)),
    }


def linreg_backprop(jac):
    dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    return {
        "dJ_dPred": dJ_dPred,
        "dJ_dW": dJ_dPred @ jac["dPred_dW"],
        "dJ_db": dJ_dPred @ jac["dPred_db"],
    }


def linreg_train(X, Y, W, b, lr, epochs):
    W, b = np.array(W, dtype=float), np.array(b, dtype=float)  # never hand back the caller's arrays
    J_list = []
    for _ in range(epochs):
        J_list.append(np.mean((Y - (X @ W + b)) ** 2))
        grads = linreg_backprop(linreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T  # the gradient is a row (1, l); W is a column (l, 1)
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_list)


def logreg_jacobians(X, Y, W, b):
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {
        "dJ_dJ0": np.ones((1, N)) / N,
        "dJ0_dPred": np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten()),
        "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()),
        "dZ_dW": np.array(X, dtype=float),
        "dZ_db": np.ones((N, 1)),
    }


def logreg_backprop(jac):
    dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    dJ_dZ = dJ_dPred @ jac["dPred_dZ"]
    return {
        "dJ_dPred": dJ_dPred,
        "dJ_dZ": dJ_dZ,
        "dJ_dW": dJ_dZ @ jac["dZ_dW"],
        "dJ_db": dJ_dZ @ jac["dZ_db"],
    }


def logreg_train(X, Y, W, b, lr, epochs):
    W, b = np.array(W, dtype=float), np.array(b, dtype=float)
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))))
        acc_track.append(np.mean((Pred > 0.5) == Y))  # exactly 0.5 counts as class 0
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_track), np.array(acc_track)
