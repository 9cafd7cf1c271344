"""Typical wrong answers to mlp_backprop; each must lose points on the
question it targets (``autograder validate`` proves it). Names such as
``activation`` refer to the notebook's other contract functions."""

import numpy as np

from autograder.mistake_library import MistakeLibrary

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

SIGMOID = ('        e = np.exp(-np.abs(Z))  # the exponent is <= 0, so it never overflows\n'
           '        return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))')

MISTAKES.edit("sigmoid with the sign of the exponent lost: 1 / (1 + exp(z))", 'activation',
              SIGMOID, '        return 1.0 / (1.0 + np.exp(Z))')

MISTAKES.edit("tanh as 2 sigmoid(z) - 1, which is tanh(z / 2): the 2z is forgotten", 'activation',
              '        return np.tanh(Z)', '        return 2.0 / (1.0 + np.exp(-Z)) - 1.0')

MISTAKES.edit("relu with np.max(Z, 0), the largest entry along axis 0, instead of np.maximum(Z, 0)", 'activation',
              'np.maximum(Z, 0.0)', 'np.max(Z, 0)')


IDENTITY = "        return Z.copy()  # a new array: the caller's Z must not change with the result"

MISTAKES.edit("identity activation as np.identity(len(Z)), the identity matrix", 'activation',
              IDENTITY, '        return np.identity(len(Z))')

MISTAKES.edit("A = Z taken for a copy: the activation is written into A in place, overwriting the caller's Z",
              'activation',
              '        return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
              '        A = Z\n        A[:] = np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n        return A',
              also=[('        return np.tanh(Z)', '        A = Z\n        A[:] = np.tanh(A)\n        return A'),
                    ('        return np.maximum(Z, 0.0)', '        A = Z\n        A[A < 0] = 0.0\n        return A')])

MISTAKES.edit("identity activation returns Z itself, so the caller's array changes with the result", 'activation',
              IDENTITY, '        return Z')


# activation_derivative

MISTAKES.edit("sigmoid derivative copied from the slide: sigmoid(z) * (1 - sigmoid'(z))", 'activation_derivative',
              '        return s * (1.0 - s)', '        return s * (1.0 - s * (1.0 - s))')

MISTAKES.edit("tanh derivative written 1 - tanh(z) instead of 1 - tanh(z)^2", 'activation_derivative',
              '1.0 - np.tanh(Z) ** 2', '1.0 - np.tanh(Z)')

MISTAKES.edit("relu'(0) = 1: the kink gets the derivative of the right side", 'activation_derivative',
              '    if name == "relu":\n        return (Z > 0).astype(float)  # the subgradient at the kink Z = 0 is 0\n    raise ValueError(f"unknown activation {name!r}")',
              '    return (Z >= 0).astype(float)')

MISTAKES.edit("identity' returned as the number 1, not an array of ones shaped like Z", 'activation_derivative',
              '        return np.ones_like(Z)', '        return 1.0')

MISTAKES.edit("relu' returns relu(Z) itself instead of the step 1[Z > 0]", 'activation_derivative',
              '    if name == "relu":\n        return (Z > 0).astype(float)  # the subgradient at the kink Z = 0 is 0\n    raise ValueError(f"unknown activation {name!r}")',
              '    return np.maximum(Z, 0.0)')


# init_params

MISTAKES.edit('init_params with W_i of shape (in, out)', 'init_params', 'i], sizes[i - 1', 'i - 1], sizes[i')

MISTAKES.edit("init_params ignores the seed (np.random.randn)", 'init_params',
              'rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1]))',
              'np.random.randn(sizes[i], sizes[i - 1]) / np.sqrt(sizes[i - 1])')

MISTAKES.edit("init_params in float32, PyTorch's default, instead of float64", 'init_params',
              '        params[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1]))\n        params[f"b{i}"] = np.zeros(sizes[i])',
              '        params[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1])).astype(np.float32)\n        params[f"b{i}"] = np.zeros(sizes[i], dtype=np.float32)')


# mlp_forward

MISTAKES.edit("mlp_forward leaves the output layer linear (activation only on hidden layers)", 'mlp_forward',
              '        A = activation(name, Z)\n    return A, {"A_prev": inputs, "Z": preactivations, "A_out": A}',
              '        A = activation(name, Z) if i < len(activations) else Z\n'
              '    return A, {"A_prev": inputs, "Z": preactivations, "A_out": activation(activations[-1], Z)}')

MISTAKES.edit("mlp_forward loops over range(1, len(activations)): the last layer is never computed", 'mlp_forward',
              '    for i, name in enumerate(activations, start=1):\n',
              '    for i in range(1, len(activations)):\n        name = activations[i - 1]\n')


# mlp_loss

MISTAKES.edit("mse without the 1/2 of the lecture", 'mlp_loss', 'float(0.5 * np.sum(', 'float(np.sum(')

MISTAKES.edit("bce summed over the samples instead of averaged (missing 1/N)", 'mlp_loss',
              'np.log(1 - A_out)) / N)', 'np.log(1 - A_out)))')

MISTAKES.edit("mse averaged over all N*k entries instead of over the N samples", 'mlp_loss',
              '0.5 * np.sum((Y - A_out) ** 2) / N', '0.5 * np.mean((Y - A_out) ** 2)')

MISTAKES.edit("bce with np.mean over all N*k entries: the sum over the k outputs is lost", 'mlp_loss',
              'float(np.sum(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)) / N)',
              'float(np.mean(-Y * np.log(A_out) - (1 - Y) * np.log(1 - A_out)))')


# mlp_backward

MISTAKES.edit("missing 1/N: the gradient of the sum instead of the mean", 'mlp_backward',
              "dZ = (A - Y) / N  # the shortcut: the output derivative cancels against the loss's", 'dZ = A - Y',
              also=[('dA = (A - Y) / N', 'dA = A - Y'),
                    ('dA = (-Y / A + (1 - Y) / (1 - A)) / N', 'dA = -Y / A + (1 - Y) / (1 - A)')])

MISTAKES.edit("the (A - Y)/N shortcut used for every output activation, not only identity+mse and sigmoid+bce",
              'mlp_backward',
              '    if (output, loss) in (("identity", "mse"), ("sigmoid", "bce")):\n'
              "        dZ = (A - Y) / N  # the shortcut: the output derivative cancels against the loss's\n"
              '    else:\n'
              '        if loss == "mse":\n'
              '            dA = (A - Y) / N\n'
              '        elif loss == "bce":\n'
              '            dA = (-Y / A + (1 - Y) / (1 - A)) / N\n'
              '        else:\n'
              '            raise ValueError(f"unknown loss {loss!r}")\n'
              '        dZ = dA * activation_derivative(output, Z_out)\n',
              '    dZ = (A - Y) / N\n')

MISTAKES.edit("forgot the bias gradients: no db keys", 'mlp_backward',
              '        grads[f"db{i}"] = dZ.sum(axis=0)\n', '')

MISTAKES.edit("db averaged over the batch although dZ already carries the 1/N", 'mlp_backward',
              'dZ.sum(axis=0)', 'dZ.mean(axis=0)')

MISTAKES.edit("W and W.T confused: dW = A_prev.T @ dZ, shape (in, out)", 'mlp_backward',
              'dZ.T @ cache["A_prev"][i - 1]', 'cache["A_prev"][i - 1].T @ dZ')

MISTAKES.edit("hidden layers multiplied by the derivative of the output activation", 'mlp_backward',
              'activation_derivative(activations[i - 2]', 'activation_derivative(activations[-1]')


# gradient_descent_2d

MISTAKES.edit("gradient of f with d/dx2 = x1 + 4 x2 (the 2 of the square forgotten)", 'gradient_descent_2d',
              'x[0] + 8 * x[1]', 'x[0] + 4 * x[1]')

MISTAKES.edit("the path leaves out the starting point x0", 'gradient_descent_2d',
              '    return path', '    return path[1:]')

MISTAKES.edit("x = x0 then x -= lr * grad: the caller's x0 is updated in place", 'gradient_descent_2d',
              '    path[0] = x0\n'
              '    for k in range(steps):\n'
              '        path[k + 1] = path[k] - lr * gradient(path[k])\n',
              '    x = x0\n'
              '    path[0] = x\n'
              '    for k in range(steps):\n'
              '        x -= lr * gradient(x)\n'
              '        path[k + 1] = x\n')


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

MISTAKES.edit("activation computed in float32 (np.asarray(Z, dtype=np.float32), PyTorch's default), not float64",
              'activation', 'Z = np.asarray(Z, dtype=float)', 'Z = np.asarray(Z, dtype=np.float32)')


# Whole: relu' by a loop written from scratch, not a change of the reference.
@MISTAKES.add("relu' by a while loop whose i += 1 sits inside the if: it hangs at the first Z <= 0")
def activation_derivative(name, Z):
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
