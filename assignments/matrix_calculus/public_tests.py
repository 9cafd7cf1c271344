"""Public tests of matrix_calculus: students may run these themselves.

The lecture quotes no numbers, so the fixed expectations are small examples
worked out by hand (exact up to the stated tolerance). The rest are
self-consistency checks that need no solution: every analytic derivative must
agree with central differences of the forward function it differentiates.
"""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Satisfies, Stable
from autograder.engine.protocol import Code
from autograder.spec import Case, Fixed, Program

# The contract (function names and argument order) is read from the master notebook's code:
# contract.json, written by `autograder assign`.

# The names of the elements of tuple results, as the contract writes them.
RETURNS = {
    "loss_and_gradient": ("loss", "dloss_dyhat"),
    "two_layer_grads": ("dW1", "dW2"),
}

LAYOUT = ("vectors are 1-D arrays; a Jacobian of g: R^p -> R^q has shape (q, p) (rows are outputs); "
          "a derivative of an output vector of length q with respect to a matrix W of shape (q, p) is a "
          "3-D array D of shape (q, q, p) with D[k, i, j] = d output_k / d W[i, j]; "
          "softmax works along the last axis; class labels are indices 0..K-1.")

LIMITS = {"call_timeout": 10}


# Mappings g whose Jacobians numerical_jacobian(g, x, eps) is asked for; each is compiled
# where it is called, so the student's function receives a real Python function.
POLAR = Code("lambda v: np.array([v[0] * np.cos(v[1]), v[0] * np.sin(v[1])])")
SUM_OF_SQUARES = Code("lambda v: v @ v")
LINEAR = Code("lambda v: np.cos(np.arange(4 * v.shape[0]).reshape(4, v.shape[0])) @ v")


# The Programs below run on inputs named as the contract names the graded function's arguments
# (LOSS_INPUTS and so on).
LOSS = Program("loss_and_gradient(name, y, y_hat)[0]")
GRADIENT = Program("loss_and_gradient(name, y, y_hat)[1]")
LAYER_OUTPUT = Program('logistic(W @ x) if phi == "sigmoid" else np.tanh(W @ x)')
MATVEC = Program("W @ x")
TWO_LAYER_LOSS = Program("0.5 * np.sum((logistic(W2 @ logistic(W1 @ x)) - y) ** 2)")
MEAN_CROSS_ENTROPY = Program("-np.mean(np.log(softmax(Z)[np.arange(len(y)), y]))")
LOSS_INPUTS, MATVEC_INPUTS, LAYER_INPUTS = ("name", "y", "y_hat"), ("W", "x"), ("W", "x", "phi")
TWO_LAYER_INPUTS, CROSS_ENTROPY_INPUTS = ("W1", "W2", "x", "y"), ("Z", "y")


def _rows_sum_to(total):
    def holds(value, inputs):
        sums = np.sum(np.asarray(value, dtype=float), axis=-1)
        if np.allclose(sums, total, atol=1e-10):
            return None
        return f"every row should sum to {total}, but the row sums are {np.round(sums, 6).tolist()}."
    return holds


R, THETA = 2.0, np.pi / 6
POLAR_JACOBIAN = np.array([[np.cos(THETA), -R * np.sin(THETA)], [np.sin(THETA), R * np.cos(THETA)]])

DF = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])                         # (r, q) = (2, 3)
DG = np.array([[1.0, 0.0, 2.0, -1.0], [0.0, 1.0, 1.0, 0.0], [2.0, 1.0, 0.0, 1.0]])  # (q, p) = (3, 4)

W23 = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
X3 = np.array([1.0, 2.0, 3.0])
MATVEC_D = np.zeros((2, 2, 3))
MATVEC_D[0, 0], MATVEC_D[1, 1] = X3, X3

W34 = np.array([[0.2, -0.4, 0.1, 0.3], [-0.5, 0.2, 0.0, 0.1], [0.3, 0.3, -0.2, -0.1]])
X4 = np.array([1.0, -0.5, 2.0, 0.5])
W1 = np.array([[0.5, -0.3], [0.8, 0.2], [-0.6, 0.4]])                        # (h, p) = (3, 2)
W2 = np.array([[0.3, -0.7, 0.5], [-0.2, 0.6, 0.9], [0.4, 0.1, -0.8], [0.7, 0.2, 0.3]])  # (k, h) = (4, 3)

Y_REG = np.array([1.0, 2.0, 3.0])
Y_HAT_REG = np.array([1.5, 2.0, 2.0])
Y_PM = np.array([1.0, -1.0, 1.0, -1.0])
SCORES = np.array([2.0, 0.5, 0.25, -3.0])
Y01 = np.array([1.0, 0.0, 1.0])
P01 = np.array([0.8, 0.4, 0.5])
Z_LOGITS = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])
# (loss, dloss_dyhat) worked out by hand for the examples above
MSE_EXPECTED = (5 / 12, np.array([1 / 3, 0.0, -2 / 3]))
MSE_SHIFTED_EXPECTED = (1.18 / 3, np.array([0.4, 0.2 / 3, -0.6]))  # y_hat = [1.6, 2.1, 2.1]
MAE_SHIFTED_EXPECTED = (1.6 / 3, np.array([1 / 3, 1 / 3, -1 / 3]))
HINGE_EXPECTED = (0.5625, np.array([0.0, 0.25, -0.25, 0.0]))
CROSS_ENTROPY_EXPECTED = (-(np.log(0.8) + np.log(0.6) + np.log(0.5)) / 3, np.array([-1.25, 1 / 0.6, -2.0]) / 3)
LABELS = np.array([1, 2])


def _fixed(*values):
    return Fixed(tuple(values))


def _named(names, *values):
    return Fixed(**dict(zip(names, values, strict=True)))


PUBLIC = [
    ("numerical_jacobian", Case("polar map (r cos t, r sin t) at r = 2, t = pi/6",
                                _fixed(POLAR, np.array([R, THETA]), 1e-6),
                                Matches("numerical_jacobian", expected=POLAR_JACOBIAN, atol=1e-6))),
    ("numerical_jacobian", Case("a scalar function x @ x gives a (1, p) Jacobian 2x^T",
                                _fixed(SUM_OF_SQUARES, X3, 1e-6),
                                Matches("numerical_jacobian", expected=2 * X3[None, :], atol=1e-6))),
    ("numerical_jacobian", Case("a linear map's Jacobian is its (4, 3) matrix", _fixed(LINEAR, X3, 1e-6),
                                Matches("numerical_jacobian", expected=np.cos(np.arange(12).reshape(4, 3)),
                                        atol=1e-6))),
    ("compose_jacobian", Case("Df (2, 3) times Dg (3, 4) gives the (2, 4) Jacobian of f(g(x))", _fixed(DF, DG),
                              Matches("compose_jacobian", expected=DF @ DG))),
    ("loss_and_gradient", Case("mse on y = [1, 2, 3], y_hat = [1.5, 2, 2]: loss 5/12",
                               _fixed("mse", Y_REG, Y_HAT_REG),
                               Matches("loss_and_gradient", expected=MSE_EXPECTED))),
    ("loss_and_gradient", Case("mae on y = [1, 2, 3], y_hat = [1.5, 2, 2]: loss 1/2, gradient 0 where y_hat = y",
                               _fixed("mae", Y_REG, Y_HAT_REG),
                               Matches("loss_and_gradient", expected=(0.5, np.array([1 / 3, 0.0, -1 / 3]))))),
    ("loss_and_gradient", Case("hinge with labels -1/+1: loss 0.5625",
                               _fixed("hinge", Y_PM, SCORES),
                               Matches("loss_and_gradient", expected=HINGE_EXPECTED))),
    ("loss_and_gradient", Case("hinge at margin exactly 1 has gradient 0",
                               _fixed("hinge", np.array([1.0, -1.0, 1.0]), np.array([1.0, -1.0, 0.0])),
                               Matches("loss_and_gradient", expected=(1 / 3, np.array([0.0, 0.0, -1 / 3]))))),
    ("loss_and_gradient", Case("zero_one counts y * y_hat <= 0 as an error (0 included)",
                               _fixed("zero_one", Y_PM, np.array([2.0, 0.5, 0.0, -3.0])),
                               Matches("loss_and_gradient", expected=(0.5, np.zeros(4))))),
    ("loss_and_gradient", Case("cross_entropy on y = [1, 0, 1], y_hat = [0.8, 0.4, 0.5]",
                               _fixed("cross_entropy", Y01, P01),
                               Matches("loss_and_gradient", expected=CROSS_ENTROPY_EXPECTED))),
    # A constant loss with a zero gradient agrees with itself, and a constant answer is pure: these cases
    # earn their points only with the right values too.
    *[("loss_and_gradient", Case(f"your {name} gradient agrees with your {name} loss, and both are right",
                                 _named(LOSS_INPUTS, name, y, y_hat),
                                 AllOf(DerivativeAgrees(GRADIENT, LOSS, wrt=2),
                                       Matches("loss_and_gradient", expected=expected))))
      for name, y, y_hat, expected in [("mse", Y_REG, Y_HAT_REG + 0.1, MSE_SHIFTED_EXPECTED),
                                       ("mae", Y_REG, Y_HAT_REG + 0.1, MAE_SHIFTED_EXPECTED),
                                       ("hinge", Y_PM, SCORES, HINGE_EXPECTED),
                                       ("cross_entropy", Y01, P01, CROSS_ENTROPY_EXPECTED)]],
    ("loss_and_gradient", Case("loss_and_gradient leaves y and y_hat unchanged", _fixed("mse", Y_REG, Y_HAT_REG),
                               AllOf(Matches("loss_and_gradient", expected=MSE_EXPECTED), Pure("loss_and_gradient")))),
    ("matvec_weight_derivative", Case("W (2, 3), x = [1, 2, 3]: x where i == k, zero elsewhere, shape (2, 2, 3)",
                                      _fixed(W23, X3), Matches("matvec_weight_derivative", expected=MATVEC_D))),
    ("matvec_weight_derivative", Case("agrees with central differences of W -> W @ x (W of shape (3, 4))",
                                      _named(MATVEC_INPUTS, W34, X4),
                                      DerivativeAgrees("matvec_weight_derivative", MATVEC, wrt=0))),
    ("single_layer_grad", Case("sigmoid: agrees with central differences of W -> sigmoid(W @ x)",
                               _named(LAYER_INPUTS, W34, X4, "sigmoid"),
                               DerivativeAgrees("single_layer_grad", LAYER_OUTPUT, wrt=0))),
    ("single_layer_grad", Case("tanh: agrees with central differences of W -> tanh(W @ x)",
                               _named(LAYER_INPUTS, W34, X4, "tanh"),
                               DerivativeAgrees("single_layer_grad", LAYER_OUTPUT, wrt=0))),
    ("two_layer_grads", Case("dW1 (3, 2) agrees with central differences of the loss",
                             _named(TWO_LAYER_INPUTS, W1, W2, np.array([1.0, -2.0]), np.array([0.0, 1.0, 1.0, 0.0])),
                             DerivativeAgrees("two_layer_grads", TWO_LAYER_LOSS, wrt=0, pick=lambda r: r[0],
                                              label="dW1 = two_layer_grads(W1, W2, x, y)[0]"))),
    ("two_layer_grads", Case("dW2 (4, 3) agrees with central differences of the loss",
                             _named(TWO_LAYER_INPUTS, W1, W2, np.array([1.0, -2.0]), np.array([0.0, 1.0, 1.0, 0.0])),
                             DerivativeAgrees("two_layer_grads", TWO_LAYER_LOSS, wrt=1, pick=lambda r: r[1],
                                              label="dW2 = two_layer_grads(W1, W2, x, y)[1]"))),
    ("softmax", Case("softmax([1, 2, 3]) = [0.0900, 0.2447, 0.6652]", _fixed(np.array([1.0, 2.0, 3.0])),
                     Matches("softmax", expected=np.array([0.09003057, 0.24472847, 0.66524096]), atol=1e-6))),
    ("softmax", Case("on a (2, 3) array every row sums to 1", _fixed(Z_LOGITS),
                     Satisfies("softmax", _rows_sum_to(1.0)))),
    ("softmax", Case("logits of 1000 without overflow", _fixed(np.array([[1000.0, 1000.0], [1000.0, -1000.0]])),
                     Stable("softmax", expected=np.array([[0.5, 0.5], [1.0, 0.0]])))),
    ("softmax_jacobian", Case("z = [0, 0]: [[0.25, -0.25], [-0.25, 0.25]]", _fixed(np.zeros(2)),
                              Matches("softmax_jacobian", expected=np.array([[0.25, -0.25], [-0.25, 0.25]])))),
    ("softmax_jacobian", Case("agrees with central differences of softmax", _fixed(np.array([0.5, -1.0, 2.0, 0.0])),
                              DerivativeAgrees("softmax_jacobian", "softmax", wrt=0))),
    ("softmax_cross_entropy_grad", Case("equal logits, labels [0, 2]: (1/3 - onehot) / 2",
                                        _fixed(np.zeros((2, 3)), np.array([0, 2])),
                                        Matches("softmax_cross_entropy_grad",
                                                expected=(np.full((2, 3), 1 / 3) - np.eye(3)[[0, 2]]) / 2))),
    ("softmax_cross_entropy_grad", Case("agrees with central differences of the mean cross-entropy",
                                        _named(CROSS_ENTROPY_INPUTS, Z_LOGITS, LABELS),
                                        DerivativeAgrees("softmax_cross_entropy_grad", MEAN_CROSS_ENTROPY, wrt=0))),
]
