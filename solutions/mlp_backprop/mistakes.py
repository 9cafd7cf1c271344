"""Typical wrong answers to mlp_backprop; each must lose points on the
question it targets (``autograder validate`` proves it). Names such as
``activation`` refer to the notebook's other contract functions."""

import numpy as np

from autograder.spec import MistakeLibrary

MISTAKES = MistakeLibrary()


# linear_forward

MISTAKES.edit('linear_forward without the bias: Z = X @ W.T', 'linear_forward', 'W.T + b', 'W.T')

MISTAKES.edit('linear_forward in the column layout W @ X.T + b: the (out, N) transpose of Z', 'linear_forward',
              'X @ W.T + b',
              'W @ X.T + b.reshape(-1, 1)')

MISTAKES.edit("linear_forward makes b a row with b.shape = (1, out), which reshapes the caller's b", 'linear_forward',
              '    return X @ W.T + b',
              '    b.shape = (1, -1)\n    return X @ W.T + b')

MISTAKES.edit('linear_forward with W.reshape(in, out) instead of W.T: the right shape, scrambled entries', 'linear_forward',
              'W.T',
              'W.reshape(X.shape[1], -1)')


# activation

@MISTAKES.add("sigmoid with the sign of the exponent lost: 1 / (1 + exp(z))")
def activation(name, Z):
    if name == "identity":
        return Z.copy()
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(Z))
    if name == "tanh":
        return np.tanh(Z)
    return np.maximum(Z, 0.0)


@MISTAKES.add("tanh as 2 sigmoid(z) - 1, which is tanh(z / 2): the 2z is forgotten")
def activation(name, Z):  # noqa: F811
    if name == "identity":
        return Z.copy()
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return 2.0 / (1.0 + np.exp(-Z)) - 1.0
    return np.maximum(Z, 0.0)


@MISTAKES.add("relu with np.max(Z, 0), the largest entry along axis 0, instead of np.maximum(Z, 0)")
def activation(name, Z):  # noqa: F811
    if name == "identity":
        return Z.copy()
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    return np.max(Z, 0)


@MISTAKES.add("identity activation as np.identity(len(Z)), the identity matrix")
def activation(name, Z):  # noqa: F811
    if name == "identity":
        return np.identity(len(Z))
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    return np.maximum(Z, 0.0)


@MISTAKES.add("A = Z taken for a copy: the activation is written into A in place, overwriting the caller's Z")
def activation(name, Z):  # noqa: F811
    A = Z
    if name == "sigmoid":
        A[:] = 1.0 / (1.0 + np.exp(-A))
    elif name == "tanh":
        A[:] = np.tanh(A)
    elif name == "relu":
        A[A < 0] = 0.0
    return A.copy() if name == "identity" else A


@MISTAKES.add("identity activation returns Z itself, so the caller's array changes with the result")
def activation(name, Z):  # noqa: F811
    if name == "identity":
        return Z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    return np.maximum(Z, 0.0)


# activation_derivative

@MISTAKES.add("sigmoid derivative copied from the slide: sigmoid(z) * (1 - sigmoid'(z))")
def activation_derivative(name, Z):
    Z = np.asarray(Z, dtype=float)
    if name == "identity":
        return np.ones_like(Z)
    if name == "sigmoid":
        s = activation("sigmoid", Z)
        return s * (1.0 - s * (1.0 - s))
    if name == "tanh":
        return 1.0 - np.tanh(Z) ** 2
    return (Z > 0).astype(float)


@MISTAKES.add("tanh derivative written 1 - tanh(z) instead of 1 - tanh(z)^2")
def activation_derivative(name, Z):  # noqa: F811
    Z = np.asarray(Z, dtype=float)
    if name == "identity":
        return np.ones_like(Z)
    if name == "sigmoid":
        s = activation("sigmoid", Z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(Z)
    return (Z > 0).astype(float)

MISTAKES.edit("relu'(0) = 1: the kink gets the derivative of the right side", 'activation_derivative',
              '    if name == "relu":\n        return (Z > 0).astype(float)  # the subgradient at the kink Z = 0 is 0\n    raise ValueError(f"unknown activation {name!r}")',
              '    return (Z >= 0).astype(float)')


@MISTAKES.add("identity' returned as the number 1, not an array of ones shaped like Z")
def activation_derivative(name, Z):  # noqa: F811
    Z = np.asarray(Z, dtype=float)
    if name == "identity":
        return 1.0
    if name == "sigmoid":
        s = activation("sigmoid", Z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(Z) ** 2
    return (Z > 0).astype(float)

MISTAKES.edit("relu' returns relu(Z) itself instead of the step 1[Z > 0]", 'activation_derivative',
              '    if name == "relu":\n        return (Z > 0).astype(float)  # the subgradient at the kink Z = 0 is 0\n    raise ValueError(f"unknown activation {name!r}")',
              '    return np.maximum(Z, 0.0)')


# init_params

MISTAKES.edit('init_params with W_i of shape (in, out)', 'init_params', 'i], sizes[i - 1', 'i - 1], sizes[i')


@MISTAKES.add("init_params ignores the seed (np.random.randn)")
def init_params(sizes, seed):  # noqa: F811
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = np.random.randn(sizes[i], sizes[i - 1]) / np.sqrt(sizes[i - 1])
        params[f"b{i}"] = np.zeros(sizes[i])
    return params

MISTAKES.edit("init_params in float32, PyTorch's default, instead of float64", 'init_params',
              '        params[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1]))\n        params[f"b{i}"] = np.zeros(sizes[i])',
              '        params[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1])).astype(np.float32)\n        params[f"b{i}"] = np.zeros(sizes[i], dtype=np.float32)')


# mlp_forward

@MISTAKES.add("mlp_forward leaves the output layer linear (activation only on hidden layers)")
def mlp_forward(X, params, activations):
    A = X
    cache = {"A_prev": [], "Z": []}
    for i, name in enumerate(activations, start=1):
        Z = linear_forward(A, params[f"W{i}"], params[f"b{i}"])
        cache["A_prev"].append(A)
        cache["Z"].append(Z)
        A = activation(name, Z) if i < len(activations) else Z
    cache["A_out"] = activation(activations[-1], cache["Z"][-1])
    return A, cache


@MISTAKES.add("mlp_forward loops over range(1, len(activations)): the last layer is never computed")
def mlp_forward(X, params, activations):  # noqa: F811
    A = X
    cache = {"A_prev": [], "Z": []}
    for i in range(1, len(activations)):
        Z = linear_forward(A, params[f"W{i}"], params[f"b{i}"])
        cache["A_prev"].append(A)
        cache["Z"].append(Z)
        A = activation(activations[i - 1], Z)
    cache["A_out"] = A
    return A, cache


# mlp_loss

@MISTAKES.add("mse without the 1/2 of the lecture")
def mlp_loss(Y, A_out, loss):
    N = Y.shape[0]
    if loss == "mse":
        return float(np.sum((Y - A_out) ** 2) / N)
    return float(np.sum(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)) / N)


@MISTAKES.add("bce summed over the samples instead of averaged (missing 1/N)")
def mlp_loss(Y, A_out, loss):  # noqa: F811
    if loss == "mse":
        return float(0.5 * np.sum((Y - A_out) ** 2) / Y.shape[0])
    return float(np.sum(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)))


@MISTAKES.add("mse averaged over all N*k entries instead of over the N samples")
def mlp_loss(Y, A_out, loss):  # noqa: F811
    if loss == "mse":
        return float(0.5 * np.mean((Y - A_out) ** 2))
    return float(np.sum(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)) / Y.shape[0])


@MISTAKES.add("bce with np.mean over all N*k entries: the sum over the k outputs is lost")
def mlp_loss(Y, A_out, loss):  # noqa: F811
    if loss == "mse":
        return float(0.5 * np.sum((Y - A_out) ** 2) / Y.shape[0])
    return float(np.mean(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)))


# mlp_backward

@MISTAKES.add("missing 1/N: the gradient of the sum instead of the mean")
def mlp_backward(Y, params, cache, activations, loss):
    A, Z_out = cache["A_out"], cache["Z"][-1]
    if (activations[-1], loss) in (("identity", "mse"), ("sigmoid", "bce")):
        dZ = A - Y
    else:
        dA = A - Y if loss == "mse" else -Y / A + (1 - Y) / (1 - A)
        dZ = dA * activation_derivative(activations[-1], Z_out)
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = dZ.T @ cache["A_prev"][i - 1]
        grads[f"db{i}"] = dZ.sum(axis=0)
        if i > 1:
            dZ = (dZ @ params[f"W{i}"]) * activation_derivative(activations[i - 2], cache["Z"][i - 2])
    return grads


@MISTAKES.add("the (A - Y)/N shortcut used for every output activation, not only identity+mse and sigmoid+bce")
def mlp_backward(Y, params, cache, activations, loss):  # noqa: F811
    dZ = (cache["A_out"] - Y) / Y.shape[0]
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = dZ.T @ cache["A_prev"][i - 1]
        grads[f"db{i}"] = dZ.sum(axis=0)
        if i > 1:
            dZ = (dZ @ params[f"W{i}"]) * activation_derivative(activations[i - 2], cache["Z"][i - 2])
    return grads


@MISTAKES.add("forgot the bias gradients: no db keys")
def mlp_backward(Y, params, cache, activations, loss):  # noqa: F811
    A, Z_out = cache["A_out"], cache["Z"][-1]
    N = Y.shape[0]
    if (activations[-1], loss) in (("identity", "mse"), ("sigmoid", "bce")):
        dZ = (A - Y) / N
    else:
        dA = (A - Y) / N if loss == "mse" else (-Y / A + (1 - Y) / (1 - A)) / N
        dZ = dA * activation_derivative(activations[-1], Z_out)
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = dZ.T @ cache["A_prev"][i - 1]
        if i > 1:
            dZ = (dZ @ params[f"W{i}"]) * activation_derivative(activations[i - 2], cache["Z"][i - 2])
    return grads


@MISTAKES.add("db averaged over the batch although dZ already carries the 1/N")
def mlp_backward(Y, params, cache, activations, loss):  # noqa: F811
    A, Z_out = cache["A_out"], cache["Z"][-1]
    N = Y.shape[0]
    if (activations[-1], loss) in (("identity", "mse"), ("sigmoid", "bce")):
        dZ = (A - Y) / N
    else:
        dA = (A - Y) / N if loss == "mse" else (-Y / A + (1 - Y) / (1 - A)) / N
        dZ = dA * activation_derivative(activations[-1], Z_out)
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = dZ.T @ cache["A_prev"][i - 1]
        grads[f"db{i}"] = dZ.mean(axis=0)
        if i > 1:
            dZ = (dZ @ params[f"W{i}"]) * activation_derivative(activations[i - 2], cache["Z"][i - 2])
    return grads


@MISTAKES.add("W and W.T confused: dW = A_prev.T @ dZ, shape (in, out)")
def mlp_backward(Y, params, cache, activations, loss):  # noqa: F811
    A, Z_out = cache["A_out"], cache["Z"][-1]
    N = Y.shape[0]
    if (activations[-1], loss) in (("identity", "mse"), ("sigmoid", "bce")):
        dZ = (A - Y) / N
    else:
        dA = (A - Y) / N if loss == "mse" else (-Y / A + (1 - Y) / (1 - A)) / N
        dZ = dA * activation_derivative(activations[-1], Z_out)
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = cache["A_prev"][i - 1].T @ dZ
        grads[f"db{i}"] = dZ.sum(axis=0)
        if i > 1:
            dZ = (dZ @ params[f"W{i}"]) * activation_derivative(activations[i - 2], cache["Z"][i - 2])
    return grads


@MISTAKES.add("hidden layers multiplied by the derivative of the output activation")
def mlp_backward(Y, params, cache, activations, loss):  # noqa: F811
    A, Z_out = cache["A_out"], cache["Z"][-1]
    N = Y.shape[0]
    if (activations[-1], loss) in (("identity", "mse"), ("sigmoid", "bce")):
        dZ = (A - Y) / N
    else:
        dA = (A - Y) / N if loss == "mse" else (-Y / A + (1 - Y) / (1 - A)) / N
        dZ = dA * activation_derivative(activations[-1], Z_out)
    grads = {}
    for i in range(len(activations), 0, -1):
        grads[f"dW{i}"] = dZ.T @ cache["A_prev"][i - 1]
        grads[f"db{i}"] = dZ.sum(axis=0)
        if i > 1:
            dZ = (dZ @ params[f"W{i}"]) * activation_derivative(activations[-1], cache["Z"][i - 2])
    return grads


# gradient_descent_2d

@MISTAKES.add("gradient of f with d/dx2 = x1 + 4 x2 (the 2 of the square forgotten)")
def gradient_descent_2d(x0, lr, steps):
    path = [np.array(x0, dtype=float)]
    for _ in range(steps):
        x1, x2 = path[-1]
        path.append(path[-1] - lr * np.array([2 * x1 + x2, x1 + 4 * x2]))
    return np.array(path)


@MISTAKES.add("the path leaves out the starting point x0")
def gradient_descent_2d(x0, lr, steps):  # noqa: F811
    x = np.array(x0, dtype=float)
    path = []
    for _ in range(steps):
        x = x - lr * np.array([2 * x[0] + x[1], x[0] + 8 * x[1]])
        path.append(x)
    return np.array(path).reshape(steps, 2)


@MISTAKES.add("x = x0 then x -= lr * grad: the caller's x0 is updated in place")
def gradient_descent_2d(x0, lr, steps):  # noqa: F811
    x = x0
    path = [x.copy()]
    for _ in range(steps):
        x -= lr * np.array([2 * x[0] + x[1], x[0] + 8 * x[1]])
        path.append(x.copy())
    return np.array(path)


# has_converged

MISTAKES.edit("has_converged with 'and': both criteria required", 'has_converged',
              '    return bool(abs(f_curr - f_prev) < eps1 or np.linalg.norm(grad) < eps2)',
              '    return bool(abs(f_curr - f_prev) < eps1 and np.linalg.norm(grad) < eps2)')

MISTAKES.edit('has_converged with the largest gradient entry instead of the Euclidean norm', 'has_converged',
              'np.linalg.norm(grad',
              'np.max(np.abs(grad)')

MISTAKES.edit('has_converged without the absolute value: any decrease of f counts as converged', 'has_converged',
              'abs(f_curr - f_prev)',
              'f_curr - f_prev')

MISTAKES.edit('has_converged with <= instead of the strict < of the lecture', 'has_converged',
              ' eps1 or np.linalg.norm(grad) <',
              '= eps1 or np.linalg.norm(grad) <=')

MISTAKES.edit("has_converged returns the loop's keep-going test (not converged) instead of the stopping test", 'has_converged',
              '< eps1 or np.linalg.norm(grad) <',
              '>= eps1 and np.linalg.norm(grad) >=')


# additions: a float32 activation and a hanging helper of mlp_backward

@MISTAKES.add("activation computed in float32 (np.asarray(Z, dtype=np.float32), PyTorch's default), not float64")
def activation(name, Z):  # noqa: F811
    Z = np.asarray(Z, dtype=np.float32)
    if name == "identity":
        return Z.copy()
    if name == "sigmoid":
        e = np.exp(-np.abs(Z))
        return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if name == "tanh":
        return np.tanh(Z)
    return np.maximum(Z, 0.0)


@MISTAKES.add("relu' by a while loop whose i += 1 sits inside the if: it hangs at the first Z <= 0")
def activation_derivative(name, Z):  # noqa: F811
    Z = np.asarray(Z, dtype=float)
    if name == "identity":
        return np.ones_like(Z)
    if name == "sigmoid":
        s = activation("sigmoid", Z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(Z) ** 2
    D = np.zeros_like(Z)
    i = 0
    while i < Z.size:
        if Z.flat[i] > 0:
            D.flat[i] = 1.0
            i += 1
    return D
