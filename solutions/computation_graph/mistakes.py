"""Typical wrong answers to computation_graph; each must lose points on the
question it targets (``autograder validate`` proves it)."""

import numpy as np

from autograder.mistake_library import MistakeLibrary

MISTAKES = MistakeLibrary()

MISTAKES.edit('J = 2a + bc: the factor 2 applied to a only', 'forward',
              '    J = 2 * v\n    return u, v, J',
              '    return u, v, 2 * a + u')

MISTAKES.edit("chain rule crossed: dJ/db = 2b and dJ/dc = 2c", 'backward',
              '    dJ_db = dJ_du * c    # du/db = c\n    dJ_dc = dJ_du * b    # du/dc = b',
              '    dJ_db = dJ_du * b\n    dJ_dc = dJ_du * c')

MISTAKES.edit("the outer factor dJ/dv = 2 forgotten", 'backward', '    dJ_dv = 2.0', '    dJ_dv = 1.0')

MISTAKES.edit('forward difference divided by 2h', 'forward_difference',
              '    return float((f(x + h) - f(x)) / h)',
              '    return float((f(x + h) - f(x)) / (2 * h))')

MISTAKES.edit('central difference divided by h instead of 2h', 'central_difference', '(2 * h)', 'h')

MISTAKES.edit('errors not absolute: approximation - df(x) keeps its sign', 'difference_errors',
              '    forward_errors = np.array([abs(forward_difference(f, x, h) - exact) for h in hs], dtype=float)\n    central_errors = np.array([abs(central_difference(f, x, h) - exact) for h in hs], dtype=float)',
              '    forward_errors = np.array([forward_difference(f, x, h) - exact for h in hs], dtype=float)\n    central_errors = np.array([central_difference(f, x, h) - exact for h in hs], dtype=float)')

MISTAKES.edit("returns the approximations instead of their errors", 'difference_errors',
              'abs(forward_difference(f, x, h) - exact)', 'forward_difference(f, x, h)',
              also=[('abs(central_difference(f, x, h) - exact)', 'central_difference(f, x, h)')])

MISTAKES.edit("db accumulated inside the feature loop (N times per sample)", 'logistic_gradients_loop',
              '        db += y_hat - y[m]  # once per sample, outside the feature loop',
              '            db += y_hat - y[m]')

MISTAKES.edit("missing 1/M: sums instead of means", 'logistic_gradients_loop',
              '    return dw / M, float(db / M)', '    return dw, float(db)')

MISTAKES.edit("y - y_hat instead of y_hat - y (the gradient of -J)", 'logistic_gradients_loop',
              '            dw[n] += (y_hat - y[m])', '            dw[n] += (y[m] - y_hat)',
              also=[('        db += y_hat - y[m]', '        db += y[m] - y_hat')])

MISTAKES.edit("vectorized version that still loops over the samples", 'logistic_gradients_vectorized',
              '    y_hat = 1.0 / (1.0 + np.exp(-(X @ w + b)))\n'
              '    dw = (y_hat - y) @ X / M\n'
              '    db = np.sum(y_hat - y) / M\n',
              '    dw, db = np.zeros(X.shape[1]), 0.0\n'
              '    for m in range(M):\n'
              '        y_hat = 1.0 / (1.0 + np.exp(-(X[m] @ w + b)))\n'
              '        dw = dw + (y_hat - y[m]) * X[m]\n'
              '        db += y_hat - y[m]\n'
              '    dw, db = dw / M, db / M\n')

MISTAKES.edit("bias b left out of z = Xw + b", 'logistic_gradients_vectorized',
              'np.exp(-(X @ w + b))', 'np.exp(-(X @ w))')

MISTAKES.edit("the slide's typo: b updated with dJ/dw", 'gradient_descent',
              'b = b - lr * db  # the slide writes dJ/dw here: a typo', 'b = b - lr * dw')

STEP = ('        dw, db = logistic_gradients_vectorized(X, y, w, b)\n'
        '        w = w - lr * dw\n'
        '        b = b - lr * db')

MISTAKES.edit("loss appended after the step instead of before", 'gradient_descent',
              '    for _ in range(max_iters):\n', f'    for _ in range(max_iters):\n{STEP}\n',
              also=[('        # otherwise step, after the last evaluation too: max_iters evaluations, max_iters steps\n'
                     f'{STEP}  # the slide writes dJ/dw here: a typo\n', '')])

MISTAKES.edit("steps even when J <= eps: (w, b) moved past the point where the stopping loss was computed",
              'gradient_descent',
              '        if J <= eps:\n'
              '            break  # stop without stepping: (w, b) is where losses[-1] was computed\n',
              '',
              also=[('b = b - lr * db  # the slide writes dJ/dw here: a typo\n',
                     'b = b - lr * db\n        if J <= eps:\n            break\n')])

MISTAKES.edit("loop runs max_iters + 1 times (<= instead of <)", 'gradient_descent',
              'range(max_iters)', 'range(max_iters + 1)')

MISTAKES.edit("w updated in place: the caller's array changes", 'gradient_descent',
              '    w = np.array(w, dtype=float)\n', '',
              also=[('        w = w - lr * dw', '        w -= lr * dw')])

MISTAKES.edit("no step after the last evaluation: max_iters evaluations but only max_iters - 1 steps",
              'gradient_descent',
              'for _ in range(max_iters):', 'for iteration in range(max_iters):',
              also=[('if J <= eps:', 'if J <= eps or iteration == max_iters - 1:')])

MISTAKES.edit("forward returns (J, v, u): the graph's values in reverse order", 'forward',
              '    return u, v, J',
              '    return J, v, u')

MISTAKES.edit("dw accumulated in an np.zeros(N, dtype=np.float32) array, not the contract's float64",
              'logistic_gradients_loop', '    dw = np.zeros(N)', '    dw = np.zeros(N, dtype=np.float32)')


# Whole: a different loop written from scratch (a while loop that never advances), not a change of the reference.
@MISTAKES.add("while loop over the step sizes without k += 1: difference_errors never returns")
def difference_errors(f, df, x, hs):
    exact = df(x)
    forward_errors, central_errors = np.zeros(len(hs)), np.zeros(len(hs))
    k = 0
    while k < len(hs):
        forward_errors[k] = abs(forward_difference(f, x, hs[k]) - exact)
        central_errors[k] = abs(central_difference(f, x, hs[k]) - exact)
    return forward_errors, central_errors
