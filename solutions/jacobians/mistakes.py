"""Typical wrong answers to jacobians; each must lose points on the question
it targets (``autograder validate`` proves it)."""

import numpy as np

from autograder.spec import MistakeLibrary

MISTAKES = MistakeLibrary()


@MISTAKES.add("dPred_dW transposed: X.T of shape (l, N) instead of X (N, l)")
def linreg_jacobians(X, Y, W, b):
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()),
            "dPred_dW": X.T.copy(), "dPred_db": np.ones((N, 1))}


@MISTAKES.add("missing 1/N in dJ_dJ0 (the derivative of a sum, not of a mean)")
def linreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)), "dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()),
            "dPred_dW": X.copy(), "dPred_db": np.ones((N, 1))}


@MISTAKES.add("dJ0_dPred kept as the (N, 1) vector of its diagonal instead of the (N, N) diagonal matrix")
def linreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": -2 * (Y - Pred),
            "dPred_dW": X.copy(), "dPred_db": np.ones((N, 1))}


@MISTAKES.add("wrong sign: dJ0_dPred = 2(Y - Pred), forgetting the inner derivative -1")
def linreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(2 * (Y - Pred).flatten()),
            "dPred_dW": X.copy(), "dPred_db": np.ones((N, 1))}


@MISTAKES.add("dPred_dW = X returned as the caller's own array (the lecture's line, but an alias)")
def linreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()),
            "dPred_dW": X, "dPred_db": np.ones((N, 1))}


@MISTAKES.add("dPred_db as a row of ones (1, N) instead of a column (N, 1)")
def linreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()),
            "dPred_dW": X.copy(), "dPred_db": np.ones((1, N))}


@MISTAKES.add("gradient returned as a column (denominator layout): dJ_dW of shape (l, 1)")
def linreg_backprop(jac):
    dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    return {"dJ_dPred": dJ_dPred, "dJ_dW": (dJ_dPred @ jac["dPred_dW"]).T, "dJ_db": dJ_dPred @ jac["dPred_db"]}


@MISTAKES.add("elementwise * instead of the matrix product @ in the chain")
def linreg_backprop(jac):  # noqa: F811
    dJ_dPred = jac["dJ_dJ0"] * jac["dJ0_dPred"]
    return {"dJ_dPred": dJ_dPred, "dJ_dW": dJ_dPred @ jac["dPred_dW"], "dJ_db": dJ_dPred @ jac["dPred_db"]}


@MISTAKES.add("linear gradients written into the given dict, which is returned (jac[...] = ...; return jac)")
def linreg_backprop(jac):  # noqa: F811
    jac["dJ_dPred"] = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    jac["dJ_dW"] = jac["dJ_dPred"] @ jac["dPred_dW"]
    jac["dJ_db"] = jac["dJ_dPred"] @ jac["dPred_db"]
    return jac


@MISTAKES.add("J_list recorded after the update instead of before")
def linreg_train(X, Y, W, b, lr, epochs):
    J_list = []
    for _ in range(epochs):
        grads = linreg_backprop(linreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T
        b = b - lr * grads["dJ_db"]
        J_list.append(np.mean((Y - (X @ W + b)) ** 2))
    return W, b, np.array(J_list)


@MISTAKES.add("W and W.T confused: W - lr*dJ_dW broadcasts (l, 1) - (1, l) into an (l, l) matrix")
def linreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_list = []
    for _ in range(epochs):
        J_list.append(np.mean((Y - (X @ W + b)) ** 2))
        grads = linreg_backprop(linreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"]
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_list)


@MISTAKES.add("in-place update W -= ... changes the caller's W")
def linreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_list = []
    for _ in range(epochs):
        J_list.append(np.mean((Y - (X @ W + b)) ** 2))
        grads = linreg_backprop(linreg_jacobians(X, Y, W, b))
        W -= lr * grads["dJ_dW"].T
        b -= lr * grads["dJ_db"]
    return W, b, np.array(J_list)


@MISTAKES.add("gradient ascent: W + lr*dJ_dW.T")
def linreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_list = []
    for _ in range(epochs):
        J_list.append(np.mean((Y - (X @ W + b)) ** 2))
        grads = linreg_backprop(linreg_jacobians(X, Y, W, b))
        W = W + lr * grads["dJ_dW"].T
        b = b + lr * grads["dJ_db"]
    return W, b, np.array(J_list)


@MISTAKES.add("dPred_dZ = diag(Pred) instead of diag(Pred(1 - Pred))")
def logreg_jacobians(X, Y, W, b):
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten()),
            "dPred_dZ": np.diag(Pred.flatten()), "dZ_dW": X.copy(), "dZ_db": np.ones((N, 1))}


@MISTAKES.add("dJ0_dPred of the slide's loss without its minus sign: (Y - Pred)/(Pred(1 - Pred))")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(((Y - Pred) / (Pred * (1 - Pred))).flatten()),
            "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()), "dZ_dW": X.copy(), "dZ_db": np.ones((N, 1))}


@MISTAKES.add("dZ_dW transposed: X.T of shape (l, N)")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten()),
            "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()), "dZ_dW": X.T.copy(), "dZ_db": np.ones((N, 1))}


@MISTAKES.add("dZ_dW = X returned as the caller's own array (an alias, as in the lecture's linear code)")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten()),
            "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()), "dZ_dW": X, "dZ_db": np.ones((N, 1))}


@MISTAKES.add("dJ_dJ0 as a column (N, 1) of 1/N instead of a row (1, N)")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((N, 1)) / N, "dJ0_dPred": np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten()),
            "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()), "dZ_dW": X.copy(), "dZ_db": np.ones((N, 1))}


@MISTAKES.add("dZ_db as a row of ones (1, N) instead of a column (N, 1)")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten()),
            "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()), "dZ_dW": X.copy(), "dZ_db": np.ones((1, N))}


@MISTAKES.add("the sigmoid's Jacobian skipped: dJ_dZ = dJ_dPred")
def logreg_backprop(jac):
    dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    dJ_dZ = dJ_dPred
    return {"dJ_dPred": dJ_dPred, "dJ_dZ": dJ_dZ, "dJ_dW": dJ_dZ @ jac["dZ_dW"], "dJ_db": dJ_dZ @ jac["dZ_db"]}


@MISTAKES.add("dJ_db summed over dJ_dPred instead of dJ_dZ")
def logreg_backprop(jac):  # noqa: F811
    dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    dJ_dZ = dJ_dPred @ jac["dPred_dZ"]
    return {"dJ_dPred": dJ_dPred, "dJ_dZ": dJ_dZ, "dJ_dW": dJ_dZ @ jac["dZ_dW"],
            "dJ_db": dJ_dPred @ jac["dZ_db"]}


@MISTAKES.add("logistic gradients written into the given dict, which is returned (jac[...] = ...; return jac)")
def logreg_backprop(jac):  # noqa: F811
    jac["dJ_dPred"] = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    jac["dJ_dZ"] = jac["dJ_dPred"] @ jac["dPred_dZ"]
    jac["dJ_dW"] = jac["dJ_dZ"] @ jac["dZ_dW"]
    jac["dJ_db"] = jac["dJ_dZ"] @ jac["dZ_db"]
    return jac


@MISTAKES.add("accuracy with Pred >= 0.5 instead of Pred > 0.5")
def logreg_train(X, Y, W, b, lr, epochs):
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))))
        acc_track.append(np.mean((Pred >= 0.5) == Y))
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_track), np.array(acc_track)


@MISTAKES.add("the loss tracked with the slide's dropped minus: J_track is negative")
def logreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred)))
        acc_track.append(np.mean((Pred > 0.5) == Y))
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_track), np.array(acc_track)


@MISTAKES.add("accuracy measured after the update instead of before")
def logreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))))
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T
        b = b - lr * grads["dJ_db"]
        acc_track.append(np.mean((1 / (1 + np.exp(-(X @ W + b))) > 0.5) == Y))
    return W, b, np.array(J_track), np.array(acc_track)


@MISTAKES.add("accuracy as a count of correct samples instead of a fraction")
def logreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))))
        acc_track.append(np.sum((Pred > 0.5) == Y))
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"].T
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_track), np.array(acc_track)


@MISTAKES.add("logistic W and W.T confused: W - lr*dJ_dW broadcasts (l, 1) - (1, l) into an (l, l) matrix")
def logreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))))
        acc_track.append(np.mean((Pred > 0.5) == Y))
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W = W - lr * grads["dJ_dW"]
        b = b - lr * grads["dJ_db"]
    return W, b, np.array(J_track), np.array(acc_track)


@MISTAKES.add("logistic in-place update W -= ... changes the caller's W")
def logreg_train(X, Y, W, b, lr, epochs):  # noqa: F811
    J_track, acc_track = [], []
    for _ in range(epochs):
        Pred = 1 / (1 + np.exp(-(X @ W + b)))
        J_track.append(np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))))
        acc_track.append(np.mean((Pred > 0.5) == Y))
        grads = logreg_backprop(logreg_jacobians(X, Y, W, b))
        W -= lr * grads["dJ_dW"].T
        b -= lr * grads["dJ_db"]
    return W, b, np.array(J_track), np.array(acc_track)


@MISTAKES.add("dJ0_dPred cast to float32 to halve the memory of the (N, N) matrix: not the contract's float64")
def linreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = X @ W + b
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()).astype(np.float32),
            "dPred_dW": X.copy(), "dPred_db": np.ones((N, 1))}


@MISTAKES.add("dJ0_dPred = diag(Pred - Y): the factor 1/(Pred(1 - Pred)) missing (dJ/dZ's shortcut put in dJ0/dPred)")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = 1 / (1 + np.exp(-(X @ W + b)))
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": np.diag((Pred - Y).flatten()),
            "dPred_dZ": np.diag((Pred * (1 - Pred)).flatten()), "dZ_dW": X.copy(), "dZ_db": np.ones((N, 1))}


@MISTAKES.add("diagonal Jacobians filled by a while loop without i += 1: logreg_jacobians never returns")
def logreg_jacobians(X, Y, W, b):  # noqa: F811
    N = X.shape[0]
    Pred = (1 / (1 + np.exp(-(X @ W + b)))).flatten()
    y = np.asarray(Y, dtype=float).flatten()
    dJ0_dPred, dPred_dZ = np.zeros((N, N)), np.zeros((N, N))
    i = 0
    while i < N:
        dJ0_dPred[i, i] = (Pred[i] - y[i]) / (Pred[i] * (1 - Pred[i]))
        dPred_dZ[i, i] = Pred[i] * (1 - Pred[i])
    return {"dJ_dJ0": np.ones((1, N)) / N, "dJ0_dPred": dJ0_dPred, "dPred_dZ": dPred_dZ,
            "dZ_dW": X.copy(), "dZ_db": np.ones((N, 1))}


@MISTAKES.add("dJ_dPred = dJ_dJ0 * dJ0_dPred: elementwise * broadcasts (1, N) * (N, N) to an (N, N) matrix")
def logreg_backprop(jac):  # noqa: F811
    dJ_dPred = jac["dJ_dJ0"] * jac["dJ0_dPred"]
    dJ_dZ = dJ_dPred @ jac["dPred_dZ"]
    return {"dJ_dPred": dJ_dPred, "dJ_dZ": dJ_dZ, "dJ_dW": dJ_dZ @ jac["dZ_dW"], "dJ_db": dJ_dZ @ jac["dZ_db"]}
