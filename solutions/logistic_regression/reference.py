"""Reference solution of logistic_regression (CURRICULUM.md section 1).

Each function is self-contained or calls other contract functions by name:
the grader pastes these sources into the student notebook to prove that a
correct notebook earns full marks.
"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows: the exponent is <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def predict(X, theta):
    return sigmoid(X @ theta)


def bce_loss(y_hat, y):
    return float(np.mean(-y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat)))


def compute_gradient(X, y_hat, y):
    return X.T @ (y_hat - y) / X.shape[0]


def update(theta, grad, lr):
    return theta - lr * grad


def sgd_step(x, y, theta, lr):
    y_hat = sigmoid(x @ theta)
    return theta - lr * x * (y_hat - y)


def train(X, y, theta, lr, epochs, batch_size):
    theta = np.array(theta, dtype=float)
    losses = []
    for _ in range(epochs):
        losses.append(bce_loss(predict(X, theta), y))
        for start in range(0, X.shape[0], batch_size):
            X_batch, y_batch = X[start:start + batch_size], y[start:start + batch_size]
            theta = update(theta, compute_gradient(X_batch, predict(X_batch, theta), y_batch), lr)
    return theta, np.array(losses)


def mse_sigmoid_gradient(X, y, theta):
    y_hat = sigmoid(X @ theta)
    return X.T @ (2 * (y_hat - y) * y_hat * (1 - y_hat)) / X.shape[0]


def bce_second_derivative(X, theta):
    y_hat = sigmoid(X @ theta)
    return (X ** 2).T @ (y_hat * (1 - y_hat)) / X.shape[0]


def tanh_gradient(X, y, theta):
    y_hat = np.tanh(X @ theta)
    return X.T @ (y_hat + 1 - 2 * y) / X.shape[0]
