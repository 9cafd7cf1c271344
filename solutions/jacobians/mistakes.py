"""Typical wrong answers to jacobians; each must lose points on the question
it targets (``autograder validate`` proves it)."""

import numpy as np

from autograder.mistake_library import MistakeLibrary

MISTAKES = MistakeLibrary()

LIN_DPRED_DW = '"dPred_dW": np.array(X, dtype=float),  # a copy: the caller\'s X must not change with it'

MISTAKES.edit("dPred_dW transposed: X.T of shape (l, N) instead of X (N, l)", 'linreg_jacobians',
              LIN_DPRED_DW, '"dPred_dW": X.T.copy(),')

MISTAKES.edit("missing 1/N in dJ_dJ0 (the derivative of a sum, not of a mean)", 'linreg_jacobians',
              '"dJ_dJ0": np.ones((1, N)) / N', '"dJ_dJ0": np.ones((1, N))')

MISTAKES.edit("dJ0_dPred kept as the (N, 1) vector of its diagonal instead of the (N, N) diagonal matrix",
              'linreg_jacobians', '"dJ0_dPred": np.diag(-2 * (Y - Pred).flatten())', '"dJ0_dPred": -2 * (Y - Pred)')

MISTAKES.edit("wrong sign: dJ0_dPred = 2(Y - Pred), forgetting the inner derivative -1", 'linreg_jacobians',
              'np.diag(-2 * (Y - Pred)', 'np.diag(2 * (Y - Pred)')

MISTAKES.edit("dPred_dW = X returned as the caller's own array (the lecture's line, but an alias)",
              'linreg_jacobians', LIN_DPRED_DW, '"dPred_dW": X,')

MISTAKES.edit("dPred_db as a row of ones (1, N) instead of a column (N, 1)", 'linreg_jacobians',
              '"dPred_db": np.ones((N, 1))', '"dPred_db": np.ones((1, N))')

MISTAKES.edit("gradient returned as a column (denominator layout): dJ_dW of shape (l, 1)", 'linreg_backprop',
              '"dJ_dW": dJ_dPred @ jac["dPred_dW"]', '"dJ_dW": (dJ_dPred @ jac["dPred_dW"]).T')

MISTAKES.edit("elementwise * instead of the matrix product @ in the chain", 'linreg_backprop',
              'dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]', 'dJ_dPred = jac["dJ_dJ0"] * jac["dJ0_dPred"]')

MISTAKES.edit("linear gradients written into the given dict, which is returned (jac[...] = ...; return jac)",
              'linreg_backprop', '    return {\n', '    jac.update({\n',
              also=[('        "dJ_db": dJ_dPred @ jac["dPred_db"],\n    }',
                     '        "dJ_db": dJ_dPred @ jac["dPred_db"],\n    })\n    return jac')])

LIN_STEP_B = '        b = b - lr * grads["dJ_db"]\n'
LIN_STEP_W = '        W = W - lr * grads["dJ_dW"].T  # the gradient is a row (1, l); W is a column (l, 1)\n'
LIN_LOSS = '        J_list.append(np.mean((Y - (X @ W + b)) ** 2))\n'
LIN_COPY = "    W, b = np.array(W, dtype=float), np.array(b, dtype=float)  # never hand back the caller's arrays\n"

MISTAKES.edit("J_list recorded after the update instead of before", 'linreg_train',
              LIN_LOSS, '', also=[(LIN_STEP_B, LIN_STEP_B + LIN_LOSS)])

MISTAKES.edit("W and W.T confused: W - lr*dJ_dW broadcasts (l, 1) - (1, l) into an (l, l) matrix", 'linreg_train',
              LIN_STEP_W, '        W = W - lr * grads["dJ_dW"]\n')

MISTAKES.edit("in-place update W -= ... changes the caller's W", 'linreg_train',
              LIN_COPY, '', also=[(LIN_STEP_W, '        W -= lr * grads["dJ_dW"].T\n'),
                                  (LIN_STEP_B, '        b -= lr * grads["dJ_db"]\n')])

MISTAKES.edit("gradient ascent: W + lr*dJ_dW.T", 'linreg_train',
              'W = W - lr', 'W = W + lr', also=[('b = b - lr', 'b = b + lr')])

LOG_DPRED_DZ = '"dPred_dZ": np.diag((Pred * (1 - Pred)).flatten())'
LOG_DJ0_DPRED = 'np.diag(((Pred - Y) / (Pred * (1 - Pred))).flatten())'

MISTAKES.edit("dPred_dZ = diag(Pred) instead of diag(Pred(1 - Pred))", 'logreg_jacobians',
              LOG_DPRED_DZ, '"dPred_dZ": np.diag(Pred.flatten())')

MISTAKES.edit("dJ0_dPred of the slide's loss without its minus sign: (Y - Pred)/(Pred(1 - Pred))",
              'logreg_jacobians', '((Pred - Y) / (Pred * (1 - Pred)))', '((Y - Pred) / (Pred * (1 - Pred)))')

MISTAKES.edit("dZ_dW transposed: X.T of shape (l, N)", 'logreg_jacobians',
              '"dZ_dW": np.array(X, dtype=float)', '"dZ_dW": X.T.copy()')

MISTAKES.edit("dZ_dW = X returned as the caller's own array (an alias, as in the lecture's linear code)",
              'logreg_jacobians', '"dZ_dW": np.array(X, dtype=float)', '"dZ_dW": X')

MISTAKES.edit("dJ_dJ0 as a column (N, 1) of 1/N instead of a row (1, N)", 'logreg_jacobians',
              '"dJ_dJ0": np.ones((1, N)) / N', '"dJ_dJ0": np.ones((N, 1)) / N')

MISTAKES.edit("dZ_db as a row of ones (1, N) instead of a column (N, 1)", 'logreg_jacobians',
              '"dZ_db": np.ones((N, 1))', '"dZ_db": np.ones((1, N))')

MISTAKES.edit("the sigmoid's Jacobian skipped: dJ_dZ = dJ_dPred", 'logreg_backprop',
              '    dJ_dZ = dJ_dPred @ jac["dPred_dZ"]', '    dJ_dZ = dJ_dPred')

MISTAKES.edit("dJ_db summed over dJ_dPred instead of dJ_dZ", 'logreg_backprop',
              '"dJ_db": dJ_dZ @ jac["dZ_db"]', '"dJ_db": dJ_dPred @ jac["dZ_db"]')

MISTAKES.edit("logistic gradients written into the given dict, which is returned (jac[...] = ...; return jac)",
              'logreg_backprop', '    return {\n', '    jac.update({\n',
              also=[('        "dJ_db": dJ_dZ @ jac["dZ_db"],\n    }',
                     '        "dJ_db": dJ_dZ @ jac["dZ_db"],\n    })\n    return jac')])

LOG_ACCURACY = '        acc_track.append(np.mean((Pred > 0.5) == Y))  # exactly 0.5 counts as class 0\n'
LOG_STEP_W = '        W = W - lr * grads["dJ_dW"].T\n'
LOG_STEP_B = '        b = b - lr * grads["dJ_db"]\n'

MISTAKES.edit("accuracy with Pred >= 0.5 instead of Pred > 0.5", 'logreg_train',
              LOG_ACCURACY, '        acc_track.append(np.mean((Pred >= 0.5) == Y))\n')

MISTAKES.edit("the loss tracked with the slide's dropped minus: J_track is negative", 'logreg_train',
              'np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred)))',
              'np.mean(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))')

MISTAKES.edit("accuracy measured after the update instead of before", 'logreg_train',
              LOG_ACCURACY, '',
              also=[(LOG_STEP_B,
                     LOG_STEP_B + '        acc_track.append(np.mean((1 / (1 + np.exp(-(X @ W + b))) > 0.5) == Y))\n')])

MISTAKES.edit("accuracy as a count of correct samples instead of a fraction", 'logreg_train',
              LOG_ACCURACY, '        acc_track.append(np.sum((Pred > 0.5) == Y))\n')

MISTAKES.edit("logistic W and W.T confused: W - lr*dJ_dW broadcasts (l, 1) - (1, l) into an (l, l) matrix",
              'logreg_train', LOG_STEP_W, '        W = W - lr * grads["dJ_dW"]\n')

MISTAKES.edit("logistic in-place update W -= ... changes the caller's W", 'logreg_train',
              '    W, b = np.array(W, dtype=float), np.array(b, dtype=float)\n', '',
              also=[(LOG_STEP_W, '        W -= lr * grads["dJ_dW"].T\n'),
                    (LOG_STEP_B, '        b -= lr * grads["dJ_db"]\n')])

MISTAKES.edit("dJ0_dPred cast to float32 to halve the memory of the (N, N) matrix: not the contract's float64",
              'linreg_jacobians', '"dJ0_dPred": np.diag(-2 * (Y - Pred).flatten())',
              '"dJ0_dPred": np.diag(-2 * (Y - Pred).flatten()).astype(np.float32)')

MISTAKES.edit("dJ0_dPred = diag(Pred - Y): the factor 1/(Pred(1 - Pred)) missing (dJ/dZ's shortcut put in "
              "dJ0/dPred)", 'logreg_jacobians', LOG_DJ0_DPRED, 'np.diag((Pred - Y).flatten())')


# Whole: the diagonals are built by a loop written from scratch (one that never advances), not a change of the
# reference.
@MISTAKES.add("diagonal Jacobians filled by a while loop without i += 1: logreg_jacobians never returns")
def logreg_jacobians(X, Y, W, b):
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


MISTAKES.edit("dJ_dPred = dJ_dJ0 * dJ0_dPred: elementwise * broadcasts (1, N) * (N, N) to an (N, N) matrix",
              'logreg_backprop', 'dJ_dPred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]',
              'dJ_dPred = jac["dJ_dJ0"] * jac["dJ0_dPred"]')
