"""Public tests of logistic_regression: students may run these themselves.

They use the lecture's data and figures (fixed values, absolute tolerance
1e-3, which admits the slides' rounding) and self-consistency checks that
need no solution: your gradient must agree with your own loss.
"""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Satisfies, Stable
from autograder.spec import Case, Fixed, Program

# The contract (function names and argument order) is read from the master notebook's code:
# contract.json, written by `autograder assign`.

# The names of the elements of tuple results, as the contract writes them.
RETURNS = {
    "train": ("theta", "losses"),
}

LAYOUT = ("X has a leading column of ones, shape (N, d+1); theta = [b, w1, ..., wd] has shape (d+1,); "
          "y and the predictions have shape (N,).")

X = np.array([[1, 1.4, 0.2], [1, 1.5, 0.2], [1, 3.0, 1.1], [1, 4.1, 1.3]])
Y = np.array([0.0, 0.0, 1.0, 1.0])
THETA = np.array([0.1, 0.5, -0.1])
LECTURE_Y_HAT = np.array([0.6856, 0.6963, 0.8160, 0.8828])
LECTURE_UPDATE = np.array([0.07298, 0.47569, -0.0981])  # theta - 0.1 * [0.2702, 0.2431, -0.019]
# Worked out on the lecture's X and theta (to 8 decimals): a constant of the right shape does not match them.
LECTURE_HESSIAN_DIAGONAL = np.array([0.17011607, 0.99680403, 0.09336067])
LECTURE_TANH_GRADIENT = np.array([0.80048029, 1.10066844, 0.12883289])

LOSS_OF_THETA = Program("bce_loss(predict(X, theta), y)")
GRADIENT_AT_THETA = Program("compute_gradient(X, predict(X, theta), y)")


def _lecture(*values):
    return Fixed(tuple(values))


def _all_nonnegative(value, inputs):
    return None if np.all(np.asarray(value) >= 0) else "every entry of the BCE Hessian's diagonal must be >= 0."


PUBLIC = [
    ("sigmoid", Case("sigmoid(0) = 0.5 and sigmoid(2) = 0.8808", _lecture(np.array([0.0, 2.0])),
                     Matches("sigmoid", expected=np.array([0.5, 0.880797]), atol=1e-3))),
    # sigmoid(-720) = e^-720 / (1 + e^-720) = e^-720 (a subnormal): 1 / (1 + exp(720)) overflows to 0 instead.
    ("sigmoid", Case("sigmoid(±720) and sigmoid(±1000) without overflow",
                     _lecture(np.array([-1000.0, -720.0, 720.0, 1000.0])),
                     Stable("sigmoid", expected=np.array([0.0, np.exp(-720.0), 1.0, 1.0])))),
    ("predict", Case("lecture batch: y_hat = [0.6856, 0.6963, 0.8160, 0.8828]", _lecture(X, THETA),
                     Matches("predict", expected=LECTURE_Y_HAT, atol=1e-3))),
    ("bce_loss", Case("lecture batch loss = 0.6691", _lecture(LECTURE_Y_HAT, Y),
                      Matches("bce_loss", expected=0.6691, atol=1e-3))),
    ("bce_loss", Case("lecture mini-batch of rows 2 and 4: loss = 0.65815", Fixed(X=X[[1, 3]], y=Y[[1, 3]], theta=THETA),
                      Matches(LOSS_OF_THETA, expected=0.65815, atol=1e-3))),
    ("compute_gradient", Case("lecture batch gradient = [0.2702, 0.2431, -0.019]", _lecture(X, LECTURE_Y_HAT, Y),
                              Matches("compute_gradient", expected=np.array([0.2702, 0.2431, -0.019]), atol=1e-3))),
    ("compute_gradient", Case("the gradient agrees with the loss on the lecture data", Fixed(X=X, y=Y, theta=THETA),
                              DerivativeAgrees(GRADIENT_AT_THETA, LOSS_OF_THETA, wrt=2))),
    ("update", Case("theta - lr * grad on the lecture numbers",
                    _lecture(THETA, np.array([0.2702, 0.2431, -0.019]), 0.1),
                    Matches("update", expected=LECTURE_UPDATE, atol=1e-6))),
    # purity alone is what a constant answer also has: it earns its point only with the right values
    ("update", Case("update returns a new array and leaves theta unchanged",
                    _lecture(THETA, np.array([0.2702, 0.2431, -0.019]), 0.1),
                    AllOf(Matches("update", expected=LECTURE_UPDATE, atol=1e-6), Pure("update")))),
    ("sgd_step", Case("one stochastic step on the lecture's first sample", _lecture(X[0], 0.0, THETA, 0.1),
                      Matches("sgd_step", expected=THETA - 0.1 * X[0] * 0.6856801, atol=1e-5))),
    ("train", Case("batch training on the lecture data: first loss = 0.6693",
                   Fixed(X=X, y=Y, theta=THETA, lr=0.1, epochs=3, batch_size=4),
                   Matches(Program("train(X, y, theta, lr, epochs, batch_size)[1][0]"), expected=0.66926, atol=1e-3))),
    ("mse_sigmoid_gradient", Case("agrees with central differences of the mean squared error",
                                  Fixed(X=X, y=Y, theta=THETA),
                                  DerivativeAgrees("mse_sigmoid_gradient",
                                                   Program("np.mean((sigmoid(X @ theta) - y) ** 2)"), wrt=2))),
    ("bce_second_derivative", Case("the diagonal of the BCE Hessian is >= 0 and on the lecture data is "
                                   "[0.1701, 0.9968, 0.0934]", _lecture(X, THETA),
                                   AllOf(Satisfies("bce_second_derivative", _all_nonnegative),
                                         Matches("bce_second_derivative", expected=LECTURE_HESSIAN_DIAGONAL,
                                                 atol=1e-6)))),
    ("tanh_gradient", Case("lecture tanh model: shape (d+1,) and values [0.8005, 1.1007, 0.1288]",
                           _lecture(X, Y, THETA),
                           AllOf(Matches("tanh_gradient", expected=np.zeros(3), values=False),
                                 Matches("tanh_gradient", expected=LECTURE_TANH_GRADIENT, atol=1e-6)))),
]
