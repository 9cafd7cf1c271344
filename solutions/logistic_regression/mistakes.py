"""Typical wrong answers to logistic_regression; each must lose points on
the question it targets (``autograder validate`` proves it)."""

import numpy as np

from autograder.spec import MistakeLibrary

MISTAKES = MistakeLibrary()


@MISTAKES.add("missing 1/N in the gradient")
def compute_gradient(X, y_hat, y):
    return X.T @ (y_hat - y)


@MISTAKES.add("y - y_hat instead of y_hat - y")
def compute_gradient(X, y_hat, y):  # noqa: F811
    return X.T @ (y - y_hat) / X.shape[0]


@MISTAKES.add("gradient hard-coded to the lecture's numbers")
def compute_gradient(X, y_hat, y):  # noqa: F811
    return np.array([0.27024858, 0.24313288, -0.01954039])


@MISTAKES.add("naive sigmoid that overflows at -1000")
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@MISTAKES.add("sum instead of mean in the loss")
def bce_loss(y_hat, y):
    return float(np.sum(-y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat)))


@MISTAKES.add("in-place update of theta")
def update(theta, grad, lr):
    theta -= lr * grad
    return theta


@MISTAKES.add("wrong batch boundaries: the last partial batch is dropped")
def train(X, y, theta, lr, epochs, batch_size):
    theta = np.array(theta, dtype=float)
    losses = []
    for _ in range(epochs):
        losses.append(bce_loss(predict(X, theta), y))
        for start in range(0, X.shape[0] - batch_size + 1, batch_size):
            X_batch, y_batch = X[start:start + batch_size], y[start:start + batch_size]
            theta = update(theta, compute_gradient(X_batch, predict(X_batch, theta), y_batch), lr)
    return theta, np.array(losses)


@MISTAKES.add("loss recorded after the epoch's updates instead of before")
def train(X, y, theta, lr, epochs, batch_size):  # noqa: F811
    theta = np.array(theta, dtype=float)
    losses = []
    for _ in range(epochs):
        for start in range(0, X.shape[0], batch_size):
            X_batch, y_batch = X[start:start + batch_size], y[start:start + batch_size]
            theta = update(theta, compute_gradient(X_batch, predict(X_batch, theta), y_batch), lr)
        losses.append(bce_loss(predict(X, theta), y))
    return theta, np.array(losses)


@MISTAKES.add("sgd_step with y - y_hat")
def sgd_step(x, y, theta, lr):
    y_hat = 1 / (1 + np.exp(-(x @ theta)))
    return theta - lr * x * (y - y_hat)


@MISTAKES.add("MSE gradient without the sigmoid's derivative")
def mse_sigmoid_gradient(X, y, theta):
    y_hat = sigmoid(X @ theta)
    return X.T @ (2 * (y_hat - y)) / X.shape[0]


@MISTAKES.add("Hessian diagonal with x instead of x squared")
def bce_second_derivative(X, theta):
    y_hat = sigmoid(X @ theta)
    return X.T @ (y_hat * (1 - y_hat)) / X.shape[0]


@MISTAKES.add("tanh gradient copied from the sigmoid model")
def tanh_gradient(X, y, theta):
    y_hat = np.tanh(X @ theta)
    return X.T @ (y_hat - y) / X.shape[0]


@MISTAKES.add("predict with theta @ X.T of the wrong orientation")
def predict(X, theta):
    return sigmoid(X.T @ theta[:, None] * np.ones((1, X.shape[0])))[0]


@MISTAKES.add("sigmoid with the sign of z flipped")
def sigmoid(z):  # noqa: F811
    return 1 / (1 + np.exp(np.clip(z, -500, 500)))


@MISTAKES.add("update adds the gradient instead of subtracting it")
def update(theta, grad, lr):  # noqa: F811
    return theta + lr * grad


@MISTAKES.add("sgd_step changes theta in place")
def sgd_step(x, y, theta, lr):  # noqa: F811
    y_hat = sigmoid(x @ theta)
    theta -= lr * x * (y_hat - y)
    return theta


@MISTAKES.add("Hessian diagonal with the sign of y_hat(1 - y_hat) flipped")
def bce_second_derivative(X, theta):  # noqa: F811
    y_hat = sigmoid(X @ theta)
    return (X ** 2).T @ (y_hat * (y_hat - 1)) / X.shape[0]


@MISTAKES.add("tanh gradient returned as a (d+1, 1) column")
def tanh_gradient(X, y, theta):  # noqa: F811
    y_hat = np.tanh(X @ theta)
    return (X.T @ (y_hat + 1 - 2 * y) / X.shape[0])[:, None]


@MISTAKES.add("sigmoid's output preallocated as float32 (np.zeros(z.shape, dtype=np.float32)): "
              "right to 7 digits, but not the contract's float64")
def sigmoid(z):  # noqa: F811
    z = np.asarray(z, dtype=float)
    out = np.zeros(z.shape, dtype=np.float32)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1.0 + e)
    return out


@MISTAKES.add("a `while True: pass` placeholder left at the top of sigmoid: every call hangs")
def sigmoid(z):  # noqa: F811
    while True:
        pass
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


MISTAKES.add_source("a closing parenthesis missing in bce_loss: its cell does not compile", "bce_loss",
                    "def bce_loss(y_hat, y):\n"
                    "    return float(np.mean(-y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat))\n")
