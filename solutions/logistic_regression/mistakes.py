"""Typical wrong answers to logistic_regression; each must lose points on
the question it targets (``autograder validate`` proves it)."""

from autograder.mistake_library import MistakeLibrary

MISTAKES = MistakeLibrary()

MISTAKES.edit('missing 1/N in the gradient', 'compute_gradient', ' / X.shape[0]', '')

MISTAKES.edit('y - y_hat instead of y_hat - y', 'compute_gradient',
              '    return X.T @ (y_hat - y) / X.shape[0]',
              '    return X.T @ (y - y_hat) / X.shape[0]')

MISTAKES.edit("gradient hard-coded to the lecture's numbers", 'compute_gradient',
              'X.T @ (y_hat - y) / X.shape[0]',
              'np.array([0.27024858, 0.24313288, -0.01954039])')

MISTAKES.edit('naive sigmoid that overflows at -1000', 'sigmoid',
              '    z = np.asarray(z, dtype=float)\n    e = np.exp(-np.abs(z))  # never overflows: the exponent is <= 0\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
              '    return 1 / (1 + np.exp(-z))')

MISTAKES.edit('sum instead of mean in the loss', 'bce_loss', 'np.mean', 'np.sum')

MISTAKES.edit('in-place update of theta', 'update',
              '    return theta - lr * grad',
              '    theta -= lr * grad\n    return theta')

MISTAKES.edit('wrong batch boundaries: the last partial batch is dropped', 'train',
              '        for start in range(0, X.shape[0], batch_size):',
              '        for start in range(0, X.shape[0] - batch_size + 1, batch_size):')


MISTAKES.edit("loss recorded after the epoch's updates instead of before", 'train',
              '        losses.append(bce_loss(predict(X, theta), y))\n', '',
              also=[('y_batch), lr)\n', 'y_batch), lr)\n        losses.append(bce_loss(predict(X, theta), y))\n')])

MISTAKES.edit('sgd_step with y - y_hat', 'sgd_step',
              '    y_hat = sigmoid(x @ theta)\n    return theta - lr * x * (y_hat - y)',
              '    y_hat = 1 / (1 + np.exp(-(x @ theta)))\n    return theta - lr * x * (y - y_hat)')

MISTAKES.edit("MSE gradient without the sigmoid's derivative", 'mse_sigmoid_gradient', ' * y_hat * (1 - y_hat)', '')

MISTAKES.edit('Hessian diagonal with x instead of x squared', 'bce_second_derivative', '(X ** 2).T', 'X.T')

MISTAKES.edit('tanh gradient copied from the sigmoid model', 'tanh_gradient', '+ 1 - 2 *', '-')

MISTAKES.edit('predict with theta @ X.T of the wrong orientation', 'predict',
              '    return sigmoid(X @ theta)',
              '    return sigmoid(X.T @ theta[:, None] * np.ones((1, X.shape[0])))[0]')

MISTAKES.edit('sigmoid with the sign of z flipped', 'sigmoid',
              '    z = np.asarray(z, dtype=float)\n    e = np.exp(-np.abs(z))  # never overflows: the exponent is <= 0\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
              '    return 1 / (1 + np.exp(np.clip(z, -500, 500)))')

MISTAKES.edit('update adds the gradient instead of subtracting it', 'update',
              '    return theta - lr * grad',
              '    return theta + lr * grad')

MISTAKES.edit('sgd_step changes theta in place', 'sgd_step',
              '    return theta - lr * x * (y_hat - y)',
              '    theta -= lr * x * (y_hat - y)\n    return theta')

MISTAKES.edit('Hessian diagonal with the sign of y_hat(1 - y_hat) flipped', 'bce_second_derivative',
              '    return (X ** 2).T @ (y_hat * (1 - y_hat)) / X.shape[0]',
              '    return (X ** 2).T @ (y_hat * (y_hat - 1)) / X.shape[0]')

MISTAKES.edit('tanh gradient returned as a (d+1, 1) column', 'tanh_gradient',
              'X.T @ (y_hat + 1 - 2 * y) / X.shape[0',
              '(X.T @ (y_hat + 1 - 2 * y) / X.shape[0])[:, None')


MISTAKES.edit("sigmoid's output preallocated as float32 (np.zeros(z.shape, dtype=np.float32)): "
              "right to 7 digits, but not the contract's float64", 'sigmoid',
              '    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))',
              '    out = np.zeros(z.shape, dtype=np.float32)\n'
              '    out[...] = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n'
              '    return out')

MISTAKES.edit('a `while True: pass` placeholder left at the top of sigmoid: every call hangs', 'sigmoid',
              '    z = np.asarray(z, dtype=float)',
              '    while True:\n        pass\n    z = np.asarray(z, dtype=float)')


MISTAKES.edit("a closing parenthesis missing in bce_loss: its cell does not compile", 'bce_loss',
              '(1 - y_hat)))', '(1 - y_hat))')
