"""Public tests of mlp_backprop: students may run these themselves.

They use the lecture's numbers (its PyTorch demo and the gradient descent
example, absolute tolerance 1e-3 where the slides print rounded figures),
small networks whose outputs can be worked out by hand, and self-consistency
checks that need no solution: the gradients of your mlp_backward must agree
with central differences of your own mlp_loss(Y, mlp_forward(...)[0], loss).
"""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Satisfies
from autograder.spec import Case, Fixed, Program, Seeded

# The contract (function names and argument order) is read from the master notebook's code:
# contract.json, written by `autograder assign`.

# The names of the elements of tuple results, as the contract writes them.
RETURNS = {
    "mlp_forward": ("A_out", "cache"),
}

# init_params's values are free (CURRICULUM §4): only shapes, float64 and determinism are graded.
FREE_VALUES = ("init_params",)

LAYOUT = ("samples are rows: X has shape (N, n), Y and A_out (N, k); W_i has shape (out, in), b_i (out,); "
          "Z_i = A_{i-1} @ W_i.T + b_i has shape (N, out).")

LIMITS = {"call_timeout": 10}

# The lecture's PyTorch demo: three samples of five features and the printed W, b.
X_LECTURE = np.array([[-8.0, 1.0, -3.0, 5.0, 2.0], [-2.0, 2.0, -1.0, 5.0, 2.0], [7.0, 1.0, 9.0, -5.0, -2.0]])
W_LECTURE = np.array([[0.7576, 0.2793, 0.4031, 0.7347, 0.0293]])
B_LECTURE = np.array([0.7999])
Z_LECTURE = np.array([[-2.4591], [3.1721], [6.2782]])
A_LECTURE = np.array([[0.0788], [0.9598], [0.9981]])

SIZES = [5, 7, 4, 3]  # the lecture's MLP


def lecture_network(rng, activations, loss):
    """The lecture's 5-7-4-3 network on its three samples, with random
    parameters and targets that suit the loss."""
    params = {}
    for i in range(1, len(SIZES)):
        params[f"W{i}"] = rng.normal(0.0, 0.5, size=(SIZES[i], SIZES[i - 1]))
        params[f"b{i}"] = rng.normal(0.0, 0.5, size=SIZES[i])
    Y = (rng.random((3, 3)) < 0.5).astype(float) if loss == "bce" else rng.normal(size=(3, 3))
    return X_LECTURE / 4, Y, params, list(activations), loss


def forward_inputs(network):
    """The (X, params, activations) of a network for mlp_forward."""
    X, _, params, acts, _ = network
    return X, params, acts


# The names of what lecture_network (and the hidden tests' network) and forward_inputs return, for the Programs.
NETWORK = ("X", "Y", "params", "activations", "loss")
FORWARD = ("X", "params", "activations")


def loss_program(key):
    """The loss as a function of the parameter ``key``, an input of its own named ``key``."""
    return Program(f"mlp_loss(Y, mlp_forward(X, {{**params, {key!r}: {key}}}, activations)[0], loss)")


def gradient_program(key):
    """mlp_backward at the parameters with ``key`` taken from the input named ``key``."""
    params = f"{{**params, {key!r}: {key}}}"
    return Program(f"mlp_backward(Y, {params}, mlp_forward(X, {params}, activations)[1], activations, loss)",
                   together=("mlp_forward",))


def gradient_check(key, make_network, what, points=1.0, hidden=False, tol=1e-5):
    """d{key} from mlp_backward against central differences of the loss in {key};
    ``make_network(rng)`` returns (X, Y, params, activations, loss)."""
    def make(rng):
        X, Y, params, acts, loss = make_network(rng)
        return X, Y, params, acts, loss, params[key]

    return Case(f"d{key} matches central differences of the loss ({what})", Seeded(make, names=(*NETWORK, key)),
                DerivativeAgrees(gradient_program(key), loss_program(key), wrt=5, pick=lambda g: g[f"d{key}"],
                                 tol=tol, label=f"mlp_backward(...)['d{key}']"),
                points=points, hidden=hidden)


def lecture_check(key, activations, loss):
    return gradient_check(key, lambda rng: lecture_network(rng, activations, loss),
                          f"5-7-4-3 network, {'/'.join(activations)}, {loss}")


BACKWARD = Program("mlp_backward(Y, params, mlp_forward(X, params, activations)[1], activations, loss)",
                   together=("mlp_forward",))  # the cache is opaque: only the same submission's forward makes it
FORWARD_OUTPUT = Program("mlp_forward(X, params, activations)[0]")
INIT_TWICE = Program("(init_params(sizes, seed), init_params(sizes, seed))")


def derivatives_of(*names):
    """activation_derivative(name, Z) for each name at the same Z, as a tuple. identity' is 1 everywhere,
    which a constant answer matches: it is checked together with another activation's derivative."""
    return Program("(" + ", ".join(f"activation_derivative({name!r}, Z)" for name in names) + ")")


def derivative_agrees(name):
    """activation_derivative(name, Z) against central differences of activation(name, Z), for inputs named Z."""
    return DerivativeAgrees(Program(f"activation_derivative({name!r}, Z)"), Program(f"activation({name!r}, Z)"),
                            wrt=0, layout=np.diag)


# has_converged(*values) and has_converged(*contrast), each (f_prev, f_curr, grad, eps1, eps2), where the two
# answers differ: a constant answer (always True or always False) gets one of them wrong.
CONVERGED_PAIR = Program("(has_converged(*values), has_converged(*contrast))")


def shapes_of(sizes):
    out = {}
    for i in range(1, len(sizes)):
        out[f"W{i}"] = np.zeros((sizes[i], sizes[i - 1]))
        out[f"b{i}"] = np.zeros(sizes[i])
    return out


def all_float64(params, inputs):
    wrong = [k for k, v in params.items() if not (isinstance(v, np.ndarray) and v.dtype == np.float64)]
    return None if not wrong else f"init_params must return float64 arrays; {', '.join(wrong)} are not."


def same_values(pair, inputs):
    first, second = pair
    for key in first:
        if key not in second or not np.array_equal(first[key], second[key]):
            return (f"init_params({inputs[0]}, {inputs[1]}) gave different values for {key} on two calls: "
                    "make every random draw from np.random.default_rng(seed).")
    return None


def lecture(*values):
    return Fixed(tuple(values))


def converged_pair(values, contrast):
    """Inputs of CONVERGED_PAIR: two argument tuples of has_converged."""
    return Fixed(values=values, contrast=contrast)


# A 2-3-1 relu network small enough to do by hand: outputs 1 and 5.5.
HAND_X = np.array([[1.0, 2.0], [0.0, -1.0]])
HAND_PARAMS = {"W1": np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]]), "b1": np.array([0.5, -1.0, 0.0]),
               "W2": np.array([[3.0, -2.0, 1.0]]), "b2": np.array([1.0])}
Z_POINTS = np.array([-1.5, -0.3, 0.4, 2.0])  # no kink: relu is differentiable at each

PUBLIC = [
    ("linear_forward", Case("lecture demo: z = X W^T + b = [-2.4591, 3.1721, 6.2782]",
                            lecture(X_LECTURE, W_LECTURE, B_LECTURE),
                            Matches("linear_forward", expected=Z_LECTURE, atol=1e-3))),
    ("linear_forward", Case("lecture demo, one sample x^T of shape (1, 5): z = -2.4591",
                            lecture(X_LECTURE[:1], W_LECTURE, B_LECTURE),
                            Matches("linear_forward", expected=Z_LECTURE[:1], atol=1e-3))),
    # shapes and purity are what a constant answer also has: those cases need the right values too
    ("linear_forward", Case("a (3, 5) batch through a 7-unit layer of ones has shape (3, 7), each unit summing "
                            "the row: -3, 6, 10",
                            lecture(X_LECTURE, np.ones((7, 5)), np.zeros(7)),
                            AllOf(Matches("linear_forward", expected=np.zeros((3, 7)), values=False),
                                  Matches("linear_forward", expected=np.repeat([[-3.0], [6.0], [10.0]], 7, axis=1))))),
    ("linear_forward", Case("linear_forward leaves its inputs unchanged", lecture(X_LECTURE, W_LECTURE, B_LECTURE),
                            AllOf(Matches("linear_forward", expected=Z_LECTURE, atol=1e-3), Pure("linear_forward")))),
    ("activation", Case("lecture demo: sigmoid(z) = [0.0788, 0.9598, 0.9981]", lecture("sigmoid", Z_LECTURE),
                        Matches("activation", expected=A_LECTURE, atol=1e-3))),
    ("activation", Case("relu([-2, 0, 3]) = [0, 0, 3]", lecture("relu", np.array([-2.0, 0.0, 3.0])),
                        Matches("activation", expected=np.array([0.0, 0.0, 3.0])))),
    ("activation", Case("tanh([0, 1]) = [0, 0.761594]", lecture("tanh", np.array([0.0, 1.0])),
                        Matches("activation", expected=np.array([0.0, 0.7615942]), atol=1e-6))),
    ("activation", Case("identity keeps the shape (2, 3)", lecture("identity", np.arange(6.0).reshape(2, 3)),
                        Matches("activation", expected=np.arange(6.0).reshape(2, 3)))),
    ("activation", Case("identity returns a new array, not Z itself", lecture("identity", np.arange(4.0)),
                        AllOf(Matches("activation", expected=np.arange(4.0)), Pure("activation")))),
    ("activation_derivative", Case("relu'([-1, 0, 2]) = [0, 0, 1] (the kink at 0 gets 0)",
                                   lecture("relu", np.array([-1.0, 0.0, 2.0])),
                                   Matches("activation_derivative", expected=np.array([0.0, 0.0, 1.0])))),
    ("activation_derivative", Case("tanh'(0) = 1 and tanh'(1) = 0.419974", lecture("tanh", np.array([0.0, 1.0])),
                                   Matches("activation_derivative", expected=np.array([1.0, 0.4199743]),
                                           atol=1e-6))),
    # identity' = 1 is what a constant answer also is: it is checked together with sigmoid', for both points
    ("activation_derivative", Case("identity' = 1, same shape (2, 2) as Z, and sigmoid'(0) = 0.25, "
                                   "sigmoid'(2) = 0.104994, at Z = [[0, 2], [2, 0]]",
                                   Fixed(Z=np.array([[0.0, 2.0], [2.0, 0.0]])),
                                   Matches(derivatives_of("identity", "sigmoid"),
                                           expected=(np.ones((2, 2)), np.array([[0.25, 0.1049936], [0.1049936, 0.25]])),
                                           atol=1e-6),
                                   points=2.0)),
    ("activation_derivative", Case("identity' and sigmoid' agree with central differences of activation('identity', Z) "
                                   "and activation('sigmoid', Z)", Fixed(Z=Z_POINTS),
                                   AllOf(derivative_agrees("identity"), derivative_agrees("sigmoid")), points=2.0)),
] + [
    ("activation_derivative", Case(f"{name}' agrees with central differences of activation({name!r}, Z)",
                                   lecture(name, Z_POINTS),
                                   DerivativeAgrees("activation_derivative", "activation", wrt=1, layout=np.diag)))
    for name in ("tanh", "relu")
] + [
    ("init_params", Case("sizes [5, 7, 4, 3]: W1 (7, 5), b1 (7,), W2 (4, 7), b2 (4,), W3 (3, 4), b3 (3,)",
                         lecture(SIZES, 0), Matches("init_params", expected=shapes_of(SIZES), values=False))),
    ("init_params", Case("every parameter is a float64 array", lecture(SIZES, 0), Satisfies("init_params", all_float64))),
    ("init_params", Case("the same seed gives the same values", Fixed(sizes=SIZES, seed=7),
                         Satisfies(INIT_TWICE, same_values))),
    ("mlp_forward", Case("one sigmoid layer is the lecture's logistic regression: [0.0788, 0.9598, 0.9981]",
                         Fixed(X=X_LECTURE, params={"W1": W_LECTURE, "b1": B_LECTURE}, activations=["sigmoid"]),
                         Matches(FORWARD_OUTPUT, expected=A_LECTURE, atol=1e-3))),
    ("mlp_forward", Case("a 2-3-1 network (relu, identity) worked by hand: outputs [1, 5.5]",
                         Fixed(X=HAND_X, params=HAND_PARAMS, activations=["relu", "identity"]),
                         Matches(FORWARD_OUTPUT, expected=np.array([[1.0], [5.5]])))),
    ("mlp_forward", Case("the lecture's 5-7-4-3 network maps (3, 5) to (3, 3)",
                         Seeded(lambda rng: forward_inputs(lecture_network(rng, ["relu", "tanh", "sigmoid"], "bce")),
                                names=FORWARD),
                         AllOf(Matches(FORWARD_OUTPUT, expected=np.zeros((3, 3)), values=False),
                               Matches(FORWARD_OUTPUT)))),
    ("mlp_loss", Case("mse: 1/N sum 1/2 ||y - a||^2 = 0.125 on two samples",
                      lecture(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[0.5, 0.5], [0.0, 0.0]]), "mse"),
                      Matches("mlp_loss", expected=0.125))),
    ("mlp_loss", Case("bce: (-log 0.8 - log 0.6) / 2 = 0.366985",
                      lecture(np.array([[1.0], [0.0]]), np.array([[0.8], [0.4]]), "bce"),
                      Matches("mlp_loss", expected=0.3669845, atol=1e-6))),
    ("mlp_loss", Case("bce sums over the k outputs and averages over the N samples: 0.733969",
                      lecture(np.array([[1.0, 0.0]]), np.array([[0.8, 0.4]]), "bce"),
                      Matches("mlp_loss", expected=0.7339690, atol=1e-6))),
    ("mlp_backward", Case("one gradient per parameter, shaped like it: dW1 (7, 5), db1 (7,), ..., db3 (3,)",
                          Seeded(lambda rng: lecture_network(rng, ["sigmoid", "tanh", "identity"], "mse"),
                                 names=NETWORK),
                          AllOf(Matches(BACKWARD, expected={f"d{k}": v for k, v in shapes_of(SIZES).items()},
                                        values=False),
                                Matches(BACKWARD)))),
] + [
    ("mlp_backward", lecture_check(key, ["sigmoid", "tanh", "identity"], "mse"))
    for key in ("W1", "b1", "W2", "b2", "W3", "b3")
] + [
    ("mlp_backward", lecture_check(key, ["relu", "sigmoid", "sigmoid"], "bce")) for key in ("W1", "b2", "W3")
] + [
    ("mlp_backward", lecture_check(key, ["tanh", "relu", "tanh"], "mse")) for key in ("W1", "b3")
] + [
    ("gradient_descent_2d", Case("lecture: from [3, 3] with lr 0.1, the path starts [3, 3], [2.1, 0.3], [1.65, -0.15]",
                                 lecture(np.array([3.0, 3.0]), 0.1, 3),
                                 Matches("gradient_descent_2d",
                                         expected=np.array([[3.0, 3.0], [2.1, 0.3], [1.65, -0.15], [1.335, -0.195]])))),
    ("gradient_descent_2d", Case("lecture: from [3, 3] with lr 0.2, the path zig-zags [1.2, -2.4], [1.2, 1.2]",
                                 lecture(np.array([3.0, 3.0]), 0.2, 3),
                                 Matches("gradient_descent_2d",
                                         expected=np.array([[3.0, 3.0], [1.2, -2.4], [1.2, 1.2], [0.48, -0.96]])))),
    ("gradient_descent_2d", Case("20 steps give a path of shape (21, 2)", lecture(np.array([3.0, 3.0]), 0.1, 20),
                                 AllOf(Matches("gradient_descent_2d", expected=np.zeros((21, 2)), values=False),
                                       Matches("gradient_descent_2d")))),
    ("gradient_descent_2d", Case("gradient_descent_2d leaves x0 unchanged", lecture(np.array([3.0, 3.0]), 0.1, 5),
                                 AllOf(Matches("gradient_descent_2d"), Pure("gradient_descent_2d")))),
    # each has_converged case needs a True and a False answer right (a contrast next to its own values)
    ("has_converged", Case("the loss stopped changing, the gradient is still large: converged; once the loss "
                           "changes by 0.5, not",
                           converged_pair((1.0, 1.0 + 1e-9, np.array([10.0, -10.0]), 1e-6, 1e-6),
                                          (1.0, 1.5, np.array([10.0, -10.0]), 1e-6, 1e-6)),
                           Matches(CONVERGED_PAIR, expected=(True, False)))),
    ("has_converged", Case("the loss still changes, the gradient is tiny: converged; with a gradient of norm 1e-3, "
                           "not",
                           converged_pair((1.0, 2.0, np.array([1e-9, 0.0]), 1e-6, 1e-6),
                                          (1.0, 2.0, np.array([1e-3, 0.0]), 1e-6, 1e-6)),
                           Matches(CONVERGED_PAIR, expected=(True, False)))),
    ("has_converged", Case("the loss changes and the gradient is large: not converged; once the loss stops "
                           "changing, converged",
                           converged_pair((1.0, 0.5, np.array([0.1, 0.2]), 1e-3, 1e-3),
                                          (1.0, 1.0, np.array([0.1, 0.2]), 1e-3, 1e-3)),
                           Matches(CONVERGED_PAIR, expected=(False, True)))),
    ("has_converged", Case("the Euclidean norm: ||[3, 4]|| = 5 is < 6 but not < 4.5",
                           converged_pair((1.0, 0.0, np.array([3.0, 4.0]), 0.1, 6.0),
                                          (1.0, 0.0, np.array([3.0, 4.0]), 0.1, 4.5)),
                           Matches(CONVERGED_PAIR, expected=(True, False)), points=2.0)),
]
