"""Write the student notebook mlp_backprop.ipynb next to this file.

Run it after editing the cells below; commit both this script and the notebook.
"""

from pathlib import Path

from autograder.notebook.authoring import assignment_notebook, check, code, md, write_assignment_notebook

NAME = "mlp_backprop"


CELLS = [
    md(r"""
# Neural networks: forward propagation, backward propagation and training

This notebook follows the lecture *Neural Networks: forward/backward propagation + training*. You will

1. write one layer of a network, $Z = XW^T \oplus b$, and the activations $g$ with their derivatives $g'$;
2. push a batch through the lecture's multilayer perceptron with layer sizes **5 → 7 → 4 → 3**;
3. measure how wrong the network is with a loss (mean squared error or cross-entropy);
4. compute the gradient of that loss with respect to **every** weight and bias by backward propagation,
   and convince yourself that it is right with a numerical gradient check;
5. run gradient descent, first on the lecture's two-variable example, then on the network itself.

**How to work.** Each function you write has its own cell holding a stub that raises `NotImplementedError`.
Replace the body with your code (NumPy only), run the cell, then run the `check(...)` cell under it: it runs
the public tests for that function and says what to fix. Keep the function names and argument order as
given; the grader calls them by position. The grader also runs hidden tests on other inputs (other layer
sizes, other numbers of samples, every activation with both losses), so write general code, not code for
the lecture's numbers.
"""),
    code("""
import numpy as np
import matplotlib.pyplot as plt

from autograder.selfcheck import Checker
check = Checker("mlp_backprop")
"""),
    md(r"""
## 1. One layer: from logistic regression to $Z = XW^T \oplus b$

Logistic regression is a network with one layer and one output. For one sample, a row vector
$\mathbf{x}^T \in \mathbb{R}^{1\times n}$, a weight matrix $W \in \mathbb{R}^{1\times n}$ and a bias $b$:
$$z = \mathbf{x}^T W^T + b \in \mathbb{R}^{1\times 1}, \qquad a = \sigma(z).$$

The efficient implementation stacks the $N$ samples as the **rows** of $X \in \mathbb{R}^{N\times n}$ and
computes all of them with one matrix product:
$$Z = X W^T \oplus b \in \mathbb{R}^{N\times 1}, \qquad A = \sigma(Z).$$
$\oplus$ means "add $b$ to every row" (NumPy's broadcasting does exactly that). A layer with `out` units
has one row of weights per unit, so in general $W \in \mathbb{R}^{\text{out}\times\text{in}}$,
$b \in \mathbb{R}^{\text{out}}$ and $Z \in \mathbb{R}^{N\times\text{out}}$.

**Layout used everywhere in this notebook** (the lecture's): samples are rows, `X` has shape `(N, n)` and the
targets `Y` shape `(N, k)`; `W_i` has shape `(out, in)` and `b_i` shape `(out,)`.
"""),
    code('''
def linear_forward(X, W, b):
    """One layer's pre-activation Z = X W^T + b (b added to every row).

    X: (N, in); W: (out, in); b: (out,). Returns Z of shape (N, out), a new array.
    """
    raise NotImplementedError("write linear_forward")
'''),
    check("linear_forward"),
    md(r"""
The lecture's PyTorch demo uses three samples of five features and random $W$, $b$ drawn by
`torch.rand` after `torch.manual_seed(1)`. NumPy cannot reproduce PyTorch's generator, so the cell below
types in the values the slide prints:
$W = [0.7576, 0.2793, 0.4031, 0.7347, 0.0293]$, $b = 0.7999$. The slide's
$Z = [-2.4591, 3.1721, 6.2782]^T$ was computed from the unrounded $W$ and $b$; from the printed 4-digit
values you get the same numbers up to about $3\cdot 10^{-4}$.
"""),
    code("""
X_lecture = np.array([[-8.0, 1.0, -3.0, 5.0, 2.0],
                      [-2.0, 2.0, -1.0, 5.0, 2.0],
                      [ 7.0, 1.0, 9.0, -5.0, -2.0]])
W_lecture = np.array([[0.7576, 0.2793, 0.4031, 0.7347, 0.0293]])  # shape (1, 5): one output unit
b_lecture = np.array([0.7999])                                     # shape (1,)

try:
    Z_lecture = linear_forward(X_lecture, W_lecture, b_lecture)
    print("Z =", Z_lecture.ravel(), " shape", Z_lecture.shape, " (slide: [-2.4591, 3.1721, 6.2782], (3, 1))")
except NotImplementedError as e:
    print("implement linear_forward first:", e)
"""),
    md(r"""
## 2. Activations and their derivatives

After the linear part, every layer applies an activation $g$ entry by entry. The backward pass needs its
derivative $g'$, again entry by entry:

| name | $g(z)$ | $g'(z)$ |
| --- | --- | --- |
| `identity` | $z$ | $1$ |
| `sigmoid` | $\sigma(z) = \dfrac{1}{1+e^{-z}}$ | $\sigma(z)\,(1-\sigma(z))$ |
| `tanh` | $\tanh z$ | $1 - \tanh^2 z$ |
| `relu` | $\max(0, z)$ | $1$ if $z > 0$, else $0$ |

*Two things to watch.*
* The lecture's logistic-regression slide writes $\frac{\partial\hat{y}}{\partial z} = \sigma(z)(1-\sigma'(z))$.
  That is a typo: the derivative of the sigmoid is $\sigma'(z) = \sigma(z)(1-\sigma(z))$, with no prime
  inside the bracket.
* ReLU has a kink at $z = 0$, where it has no derivative. This course uses the subgradient $0$ there:
  `relu'(0) = 0`.

`activation("identity", Z)` must return a **new** array, not `Z` itself: a caller who later changes the
result in place would otherwise change `Z` too. Raise a `ValueError` for an unknown name.
"""),
    code('''
def activation(name, Z):
    """The activation g(Z), entry by entry.

    name: "identity", "sigmoid", "tanh" or "relu"; Z: array of any shape.
    Returns a new float64 array of the same shape as Z.
    """
    raise NotImplementedError("write activation")
'''),
    check("activation"),
    code('''
def activation_derivative(name, Z):
    """The derivative g'(Z), entry by entry, evaluated at the pre-activation Z.

    name: "identity", "sigmoid", "tanh" or "relu"; Z: array of any shape.
    identity' = 1, sigmoid' = s (1 - s) with s = sigmoid(Z), tanh' = 1 - tanh(Z)^2,
    relu' = 1 where Z > 0 and 0 elsewhere (0 at the kink Z = 0).
    Returns a float64 array of the same shape as Z.
    """
    raise NotImplementedError("write activation_derivative")
'''),
    check("activation_derivative"),
    md(r"""
The lecture's output $a = \sigma(z) = [0.0788, 0.9598, 0.9981]^T$, and a picture of each activation with
its derivative. The dashed curve is your $g'$; it must be the slope of the solid curve everywhere.
"""),
    code("""
try:
    Z_lecture = linear_forward(X_lecture, W_lecture, b_lecture)
    print("a = sigmoid(Z) =", activation("sigmoid", Z_lecture).ravel(), " (slide: [0.0788, 0.9598, 0.9981])")
    z = np.linspace(-4, 4, 401)
    fig, axes = plt.subplots(1, 4, figsize=(14, 3), sharex=True)
    for ax, name in zip(axes, ["identity", "sigmoid", "tanh", "relu"]):
        ax.plot(z, activation(name, z), label="g(z)")
        ax.plot(z, activation_derivative(name, z), "--", label="g'(z)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("z")
    axes[0].legend()
    plt.tight_layout()
    plt.show()
except NotImplementedError as e:
    print("implement linear_forward, activation and activation_derivative first:", e)
"""),
    md(r"""
## 3. The parameters of the lecture's network

The lecture's multilayer perceptron maps $\mathbb{R}^5 \to \mathbb{R}^3$ through hidden layers of 7 and 4
units: `sizes = [5, 7, 4, 3]`. Layer $i$ (for $i = 1, \dots, L$) has

$$W^{(i)} \in \mathbb{R}^{\text{sizes}[i]\times\text{sizes}[i-1]}, \qquad b^{(i)} \in \mathbb{R}^{\text{sizes}[i]},$$

so here $W^{(1)}$ is $7\times 5$, $W^{(2)}$ is $4\times 7$ and $W^{(3)}$ is $3\times 4$. The parameters are
kept in a dict with keys `"W1"`, `"b1"`, ..., `"W3"`, `"b3"`.

The weights must start **random**: if every unit of a layer started with the same weights, every unit would
compute the same thing and receive the same gradient, and they would stay identical forever. Draw them from
`rng = np.random.default_rng(seed)`, so that the same seed always gives the same network; a scale of about
$1/\sqrt{\text{fan-in}}$ keeps every $Z$ of order one. Zero biases are fine. (Only the shapes, the float64
dtype and "same seed, same values" are graded; the values are yours to choose.)
"""),
    code('''
def init_params(sizes, seed):
    """Random parameters of an MLP with layer sizes like [5, 7, 4, 3].

    Returns a dict with W1, b1, ..., WL, bL (L = len(sizes) - 1): W_i float64 of shape
    (sizes[i], sizes[i-1]) and b_i of shape (sizes[i],). The same seed gives the same values.
    """
    raise NotImplementedError("write init_params")
'''),
    check("init_params"),
    code("""
try:
    params = init_params([5, 7, 4, 3], seed=0)
    for key, value in params.items():
        print(f"{key}: shape {value.shape}")
except NotImplementedError as e:
    print("implement init_params first:", e)
"""),
    md(r"""
## 4. Forward propagation

Forward propagation computes the neuron values from left to right. For the lecture's network and a batch
$X \in \mathbb{R}^{N\times 5}$:

$$
\begin{aligned}
Z^{(1)} &= X W^{(1)T} \oplus b^{(1)} \in \mathbb{R}^{N\times 7}, & A^{(1)} &= g_1(Z^{(1)}) \in \mathbb{R}^{N\times 7},\\
Z^{(2)} &= A^{(1)} W^{(2)T} \oplus b^{(2)} \in \mathbb{R}^{N\times 4}, & A^{(2)} &= g_2(Z^{(2)}) \in \mathbb{R}^{N\times 4},\\
Z^{(3)} &= A^{(2)} W^{(3)T} \oplus b^{(3)} \in \mathbb{R}^{N\times 3}, & A^{(3)} &= g_3(Z^{(3)}) \in \mathbb{R}^{N\times 3}.
\end{aligned}
$$

With $A^{(0)} = X$ this is one loop: $Z^{(i)} = A^{(i-1)}W^{(i)T} \oplus b^{(i)}$, $A^{(i)} = g_i(Z^{(i)})$.
`activations` lists one name per layer, the output layer's included, e.g. `["relu", "tanh", "sigmoid"]`.

The backward pass will need $A^{(i-1)}$ and $Z^{(i)}$ of every layer, so `mlp_forward` returns them in a
**cache** next to the output. What you put in the cache, and how, is up to you: only your own
`mlp_backward` ever reads it (a dict or a list of arrays works well).
"""),
    code('''
def mlp_forward(X, params, activations):
    """Forward propagation through the MLP.

    X: (N, n); params: dict with W1, b1, ..., WL, bL; activations: list of L names, one per layer,
    the output layer included. Z_i = A_{i-1} W_i^T + b_i and A_i = g_i(Z_i), with A_0 = X.
    Returns (A_out, cache): A_out = A_L of shape (N, k), and a cache of whatever your
    mlp_backward needs (e.g. every A_{i-1} and Z_i).
    """
    raise NotImplementedError("write mlp_forward")
'''),
    check("mlp_forward"),
    code("""
try:
    params = init_params([5, 7, 4, 3], seed=0)
    A_out, cache = mlp_forward(X_lecture, params, ["relu", "tanh", "sigmoid"])
    print("the lecture's batch X", X_lecture.shape, "-> A_out", A_out.shape)
    print(np.round(A_out, 4))
except NotImplementedError as e:
    print("implement init_params and mlp_forward first:", e)
"""),
    md(r"""
## 5. Output activation and loss

Training looks for the parameters that minimise the average loss over the $N$ training samples,
$$L = \frac{1}{N}\sum_{p=1}^{N} \operatorname{div}(\hat{\mathbf{y}}_p, \mathbf{y}_p), \qquad \hat{\mathbf{y}}_p = f(\mathbf{x}_p; W).$$

The lecture pairs the output activation with the loss:

| task | output activation | $\operatorname{div}(\hat{\mathbf{y}}, \mathbf{y})$ | `loss` |
| --- | --- | --- | --- |
| regression | identity | $\frac{1}{2}\lVert\mathbf{y} - \hat{\mathbf{y}}\rVert_2^2$ (mean squared error, with the $\frac12$) | `"mse"` |
| binary classification (one or more 0/1 outputs) | sigmoid | $\sum_j -y_j\log\hat{y}_j - (1-y_j)\log(1-\hat{y}_j)$ (cross-entropy) | `"bce"` |

Both sum over the $k$ outputs of a sample and average over the $N$ samples:
$$L_{\text{mse}} = \frac{1}{N}\sum_{p=1}^N \tfrac12 \lVert Y[p,:] - A[p,:]\rVert_2^2, \qquad
L_{\text{bce}} = \frac{1}{N}\sum_{p=1}^N\sum_{j=1}^k -Y_{pj}\log A_{pj} - (1-Y_{pj})\log(1-A_{pj}).$$

*About the slides.* One backward-propagation slide writes $L = -\frac{1}{N}\sum_p L_p$ and puts a $-\frac1N$
in front of the stacked derivatives. Those minus signs are stray: the loss is $+\frac1N\sum_p L_p$ (the
minus of the cross-entropy is already inside $\operatorname{div}$). Do not clip $A$ in the cross-entropy:
the tests keep it inside $[10^{-12}, 1-10^{-12}]$.
"""),
    code('''
def mlp_loss(Y, A_out, loss):
    """The average loss over the N samples, a float.

    Y, A_out: (N, k). loss == "mse": (1/N) sum_p 1/2 ||Y[p] - A_out[p]||^2;
    loss == "bce": (1/N) sum_p sum_j -Y log(A_out) - (1 - Y) log(1 - A_out).
    """
    raise NotImplementedError("write mlp_loss")
'''),
    check("mlp_loss"),
    md(r"""
## 6. Backward propagation

Backward propagation computes partial derivatives of the loss from right to left: first with respect to
the neuron values, then with respect to the parameters. Because $L$ is an average of independent
per-sample losses, one can work row by row and stack the rows; in matrix form, with
$\frac{\partial L}{\partial Z}$ the matrix of the same shape as $Z$ holding $\frac{\partial L}{\partial Z_{pj}}$:

**Start at the output.** For one sample with MSE and an identity output,
$L_1 = \frac12\lVert\mathbf{y}^T - \mathbf{a}^{(3)T}\rVert^2$ gives
$\frac{\partial L_1}{\partial \mathbf{a}^{(3)}} = \mathbf{a}^{(3)T} - \mathbf{y}^T$ and, since
$\mathrm{id}' = 1$, $\frac{\partial L_1}{\partial \mathbf{z}^{(3)}} = \mathbf{a}^{(3)T} - \mathbf{y}^T$. For the
cross-entropy with a sigmoid output, $\frac{\partial L}{\partial\hat y} = -\frac{y}{\hat y} + \frac{1-y}{1-\hat y}$
and $\frac{\partial\hat y}{\partial z} = \hat y(1-\hat y)$ multiply to $\hat y - y$. Stacking the $N$ rows,
each divided by $N$ because of the average:
$$\frac{\partial L}{\partial Z^{(3)}} = \frac{1}{N}\left(A^{(3)} - Y\right)
\qquad\text{(identity + MSE, and sigmoid + cross-entropy).}$$

**This shortcut holds only for those two pairs.** For any other output activation $g_3$ (a sigmoid or tanh
output with MSE, say) use the chain rule:
$$\frac{\partial L}{\partial A^{(3)}} = \frac1N (A^{(3)} - Y) \ \text{(MSE)}, \qquad
\frac{\partial L}{\partial A^{(3)}} = \frac1N\left(-\frac{Y}{A^{(3)}} + \frac{1-Y}{1-A^{(3)}}\right) \ \text{(cross-entropy)},$$
$$\frac{\partial L}{\partial Z^{(3)}} = \frac{\partial L}{\partial A^{(3)}} \odot g_3'(Z^{(3)}) \quad\text{(entry by entry).}$$

**Then, for each layer $i = L, \dots, 1$,** from $\frac{\partial L}{\partial Z^{(i)}}$ (shape $N\times\text{out}$):
$$
\frac{\partial L}{\partial W^{(i)}} = \frac{\partial L}{\partial Z^{(i)}}^{T} A^{(i-1)} \ \ (\text{out}\times\text{in}),\qquad
\frac{\partial L}{\partial b^{(i)}} = \frac{\partial L}{\partial Z^{(i)}}^{T}\mathbf{1}_N \ \ (\text{the column sums, shape (out,)}),
$$
$$
\frac{\partial L}{\partial A^{(i-1)}} = \frac{\partial L}{\partial Z^{(i)}}\, W^{(i)} \ \ (N\times\text{in}),\qquad
\frac{\partial L}{\partial Z^{(i-1)}} = \frac{\partial L}{\partial A^{(i-1)}} \odot g_{i-1}'(Z^{(i-1)}).
$$
with $A^{(0)} = X$. Check the shapes as you go: each gradient has exactly the shape of its parameter.
The $\frac1N$ enters once, at the output; do not divide again in $\frac{\partial L}{\partial b}$.

Return a dict with keys `"dW1"`, `"db1"`, ..., `"dWL"`, `"dbL"`.
"""),
    code('''
def mlp_backward(Y, params, cache, activations, loss):
    """Backward propagation: the gradient of mlp_loss(Y, A_out, loss) for every parameter.

    Y: (N, k) targets; params: the dict given to mlp_forward; cache: what your mlp_forward
    returned; activations: the same list of L names; loss: "mse" or "bce".
    Returns a dict with dW1, db1, ..., dWL, dbL; dW_i has the shape of W_i (out, in),
    db_i the shape of b_i (out,). Exact for every output activation, not only for the
    (A - Y)/N shortcut pairs identity+mse and sigmoid+bce.
    """
    raise NotImplementedError("write mlp_backward")
'''),
    check("mlp_backward"),
    md(r"""
## 7. Gradient check: is the backward pass right?

A derivative says how much a tiny change of the argument changes the value: $\Delta y \approx \alpha\,\Delta x$.
So each entry of a gradient can be measured numerically by nudging that one parameter up and down and
looking at the loss, the **central difference**
$$\frac{\partial L}{\partial \theta} \approx \frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2\varepsilon},
\qquad \varepsilon = 10^{-6}.$$
Compare with your analytic gradient $a$ by the relative error
$\frac{|a - n|}{\max(|a|, |n|)}$: a correct backward pass gives about $10^{-7}$ or less; a wrong one gives
$10^{-2}$ to $1$. Below, $L$ is *your* `mlp_loss(Y, mlp_forward(X, params, activations)[0], loss)`, so the
table tells you whether your backward pass is the derivative of your forward pass, parameter by parameter.
The grader runs the same check on other networks.
"""),
    code("""
def numerical_gradient(loss_of, P, eps=1e-6):
    \"\"\"Central differences of the scalar function loss_of at the array P, entry by entry.\"\"\"
    grad = np.zeros_like(P)
    for index in np.ndindex(P.shape):
        plus, minus = P.copy(), P.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (loss_of(plus) - loss_of(minus)) / (2 * eps)
    return grad


def gradient_check_table(X, Y, params, activations, loss):
    grads = mlp_backward(Y, params, mlp_forward(X, params, activations)[1], activations, loss)
    print(f"activations {activations}, loss {loss!r}")
    print(f"{'parameter':>9} {'shape':>8} {'max relative error':>19}")
    for key, P in params.items():
        def loss_of(value):
            return mlp_loss(Y, mlp_forward(X, {**params, key: value}, activations)[0], loss)
        analytic = np.asarray(grads["d" + key], dtype=float)
        numeric = numerical_gradient(loss_of, P)
        if analytic.shape != numeric.shape:
            print(f"{key:>9} {str(P.shape):>8}  d{key} has shape {analytic.shape}, expected {P.shape}")
            continue
        error = np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-7)
        verdict = "ok" if error.max() < 1e-5 else "WRONG"
        print(f"{key:>9} {str(P.shape):>8} {error.max():>19.2e}  {verdict}")
    print()


rng = np.random.default_rng(2023)
X_check = X_lecture / 4                      # the lecture's three samples, scaled to keep Z of order one
Y_regression = rng.normal(size=(3, 3))
Y_classes = (rng.random((3, 3)) < 0.5).astype(float)
try:
    params = init_params([5, 7, 4, 3], seed=1)
    gradient_check_table(X_check, Y_regression, params, ["sigmoid", "tanh", "identity"], "mse")
    gradient_check_table(X_check, Y_classes, params, ["relu", "sigmoid", "sigmoid"], "bce")
    gradient_check_table(X_check, Y_regression, params, ["tanh", "relu", "tanh"], "mse")
except NotImplementedError as e:
    print("implement init_params, mlp_forward, mlp_loss and mlp_backward first:", e)
"""),
    md(r"""
## 8. Gradient descent

To minimise a function $f$, start from a guess $\mathbf{x}^0$ and step **against** the gradient, which points
in the direction of steepest increase (and is perpendicular to the level curves):
$$\mathbf{x}^{k+1} = \mathbf{x}^k - \eta\,\nabla f(\mathbf{x}^k)^T.$$
The step size $\eta$ (learning rate) is fixed here. The lecture shows its influence on
$$f(x_1, x_2) = x_1^2 + x_1x_2 + 4x_2^2, \qquad \nabla f(\mathbf{x}) = \begin{bmatrix} 2x_1 + x_2 & x_1 + 8x_2\end{bmatrix},$$
from $\mathbf{x}^0 = [3, 3]$ with $\eta = 0.1$ and $\eta = 0.2$. By hand, the first step is
$\nabla f(3, 3) = [9, 27]$, so $\mathbf{x}^1 = [3 - 0.9,\ 3 - 2.7] = [2.1, 0.3]$ for $\eta = 0.1$ and
$[3 - 1.8,\ 3 - 5.4] = [1.2, -2.4]$ for $\eta = 0.2$.

`gradient_descent_2d(x0, lr, steps)` returns the whole path, one row per point: row 0 is $\mathbf{x}^0$, row $k$
is $\mathbf{x}^k$, so the result has `steps + 1` rows.
"""),
    code('''
def gradient_descent_2d(x0, lr, steps):
    """Fixed-step gradient descent on f(x1, x2) = x1^2 + x1 x2 + 4 x2^2.

    x0: (2,) starting point; lr: step size; steps: number of updates.
    x_{k+1} = x_k - lr * grad f(x_k), grad f = [2 x1 + x2, x1 + 8 x2].
    Returns the path, shape (steps + 1, 2), with path[0] = x0 (x0 itself is not changed).
    """
    raise NotImplementedError("write gradient_descent_2d")
'''),
    check("gradient_descent_2d"),
    md(r"""
**When to stop.** The lecture declares convergence when **either** criterion holds:
$$|f(\mathbf{x}^{k+1}) - f(\mathbf{x}^k)| < \varepsilon_1 \qquad\text{or}\qquad \lVert\nabla f(\mathbf{x}^k)\rVert_2 < \varepsilon_2.$$
The first says "the value stopped changing", the second "we are at a flat point". Note the absolute value
(a big drop of $f$ is not convergence) and the Euclidean norm $\lVert\mathbf{g}\rVert_2 = \sqrt{\sum_i g_i^2}$.
"""),
    code('''
def has_converged(f_prev, f_curr, grad, eps1, eps2):
    """The lecture's stopping rule: |f_curr - f_prev| < eps1 or ||grad||_2 < eps2.

    f_prev, f_curr: numbers; grad: 1-D array; eps1, eps2: positive numbers. Returns a bool.
    """
    raise NotImplementedError("write has_converged")
'''),
    check("has_converged"),
    md(r"""
The lecture's picture: both paths over the level curves of $f$. With $\eta = 0.1$ the path slides smoothly
into the valley; with $\eta = 0.2$ it zig-zags across it. The reason is the curvature: the Hessian
$\begin{bmatrix}2 & 1\\ 1 & 8\end{bmatrix}$ has eigenvalues $5 \pm \sqrt{10} \approx 8.16$ and $1.84$, and
along the steep direction each step multiplies the distance to the minimum by $1 - 8.16\,\eta$: $0.18$ for
$\eta = 0.1$, but $-0.63$ (a sign flip every step) for $\eta = 0.2$. Above $\eta = 2/8.16 \approx 0.245$ it
diverges. Yet $\eta = 0.2$ ends closer to the minimum: along the flat direction the factor is
$1 - 1.84\,\eta$, $0.63$ for $\eta = 0.2$ against $0.82$ for $\eta = 0.1$, and the flat direction is what
takes long. The printout says after how many steps `has_converged` stops each run
($\varepsilon_1 = \varepsilon_2 = 10^{-6}$).
"""),
    code("""
def f_2d(x):
    return x[0] ** 2 + x[0] * x[1] + 4 * x[1] ** 2


def grad_2d(x):
    return np.array([2 * x[0] + x[1], x[0] + 8 * x[1]])


try:
    x1, x2 = np.meshgrid(np.linspace(-3.5, 3.5, 300), np.linspace(-3.5, 3.5, 300))
    levels = [0.25, 1, 2.5, 5, 10, 20, 35, 50, 70]
    paths = {}
    for lr in [0.1, 0.2]:
        long_run = gradient_descent_2d(np.array([3.0, 3.0]), lr, 200)
        stop = next((k for k in range(1, len(long_run)) if has_converged(
            f_2d(long_run[k - 1]), f_2d(long_run[k]), grad_2d(long_run[k]), 1e-6, 1e-6)), "more than 200")
        paths[lr] = long_run[:21]
        print(f"lr = {lr}: x1 = {long_run[1]}, x2 = {long_run[2]}, f(x20) = {f_2d(long_run[20]):.2e}, "
              f"has_converged stops after {stop} steps")
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, (lr, path) in zip(axes, paths.items()):
        ax.contour(x1, x2, f_2d([x1, x2]), levels=levels, cmap="viridis")
        ax.plot(path[:, 0], path[:, 1], "o-", color="crimson", ms=4, lw=1.2)
        ax.plot(*path[0], "ks", ms=7, label="start [3, 3]")
        ax.plot(0, 0, "k*", ms=12, label="minimum [0, 0]")
        ax.set_title(f"η = {lr}, 20 steps")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
        ax.legend(loc="lower left")
    fig.suptitle("$f(x_1, x_2) = x_1^2 + x_1 x_2 + 4 x_2^2$ from $[3, 3]$")
    plt.tight_layout()
    plt.show()
except NotImplementedError as e:
    print("implement gradient_descent_2d and has_converged first:", e)
"""),
    md(r"""
## 9. Training the network

Now everything together: forward propagation, the loss, backward propagation and a gradient descent step
on every parameter, $W^{(i)} \leftarrow W^{(i)} - \eta\,\frac{\partial L}{\partial W^{(i)}}$ and
$b^{(i)} \leftarrow b^{(i)} - \eta\,\frac{\partial L}{\partial b^{(i)}}$, until `has_converged` says stop.

The data: 200 samples of 5 features; each of the 3 outputs is a 0/1 label that depends on the features in a
way the network has to discover (so: sigmoid outputs and the cross-entropy loss). The lecture's 5-7-4-3
network with tanh hidden layers learns it: the loss falls steadily until it changes by less than
$\varepsilon_1 = 10^{-6}$ per step, where `has_converged` stops the loop (after a few hundred steps, at a
training accuracy near 99%). The whole gradient, all parameters together, plays the role of $\nabla f$ in
the second criterion.
"""),
    code("""
rng = np.random.default_rng(0)
X_train = rng.normal(size=(200, 5))
teacher = rng.normal(size=(3, 5))
Y_train = (np.tanh(X_train @ teacher.T) + 0.3 * X_train[:, :3] ** 2 > 0.5).astype(float)

try:
    acts = ["tanh", "tanh", "sigmoid"]
    params = init_params([5, 7, 4, 3], seed=0)
    losses = []
    for step in range(3000):
        A_out, cache = mlp_forward(X_train, params, acts)
        losses.append(mlp_loss(Y_train, A_out, "bce"))
        grads = mlp_backward(Y_train, params, cache, acts, "bce")
        params = {key: value - 0.5 * grads["d" + key] for key, value in params.items()}
        gradient_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        if step > 0 and has_converged(losses[-2], losses[-1], np.array([gradient_norm]), 1e-6, 1e-4):
            break
    accuracy = np.mean((mlp_forward(X_train, params, acts)[0] > 0.5) == Y_train)
    print(f"stopped after {len(losses)} steps: loss {losses[0]:.4f} -> {losses[-1]:.4f}, "
          f"training accuracy {accuracy:.1%}")
    plt.figure(figsize=(6, 3.5))
    plt.plot(losses)
    plt.xlabel("gradient descent step")
    plt.ylabel("cross-entropy loss")
    plt.title("training the 5-7-4-3 network (η = 0.5)")
    plt.tight_layout()
    plt.show()
except NotImplementedError as e:
    print("implement every function above first:", e)
"""),
    md(r"""
## Before you hand in

Run `check()` to rerun every public test at once. The public tests use the lecture's numbers and check
your gradients against *your own* loss; the hidden tests compare your functions with a reference solution on
other networks (every activation, both losses, other layer sizes and batch sizes), so a function that only
works for the lecture's 5-7-4-3 network will lose points.
"""),
    code("check()"),
]


def build():
    return assignment_notebook(NAME, CELLS)


if __name__ == "__main__":
    write_assignment_notebook(NAME, CELLS, Path(__file__).resolve().parent)
