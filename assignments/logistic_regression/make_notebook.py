"""Write the student notebook logistic_regression.ipynb next to this file.

Run it after editing the cells below; commit both this script and the notebook.
"""

from pathlib import Path

from autograder.notebook.authoring import assignment_notebook, check, code, md, write_assignment_notebook

NAME = "logistic_regression"


CELLS = [
    md(r"""
# Logistic regression, step by step

This notebook follows the lecture *Insight into Logistic Regression*. Every training method in it, whether
stochastic, mini-batch or batch, repeats the same five steps:

1. **Pick samples** $(\mathbf{x}, y)$ from the training data: one sample, $m$ samples or all $N$ of them.
2. **Compute the output** $\hat{y} = \sigma(z)$ with $z = \boldsymbol{\theta}^T\mathbf{x}$.
3. **Compute the loss** (binary cross-entropy).
4. **Compute the derivative** $\nabla_{\boldsymbol{\theta}} L$.
5. **Update the parameters**: $\boldsymbol{\theta} \leftarrow \boldsymbol{\theta} - \eta\,\nabla_{\boldsymbol{\theta}} L$.

**How to work.** Each function you write has its own cell holding a stub that raises `NotImplementedError`.
Replace the body with your code (NumPy only), run the cell, then run the `check(...)` cell under it: it runs
the public tests for that function and says what to fix. Keep the function names and argument order as
given; the grader calls them by position. The grader also runs hidden tests on other inputs, so make your
functions work for any number of samples $N$ and features $d$, not just the lecture's data.
"""),
    code("""
import numpy as np
import matplotlib.pyplot as plt

from autograder.selfcheck import Checker
check = Checker("logistic_regression")
"""),
    md(r"""
## The lecture's data and the layout used everywhere

Four iris flowers, two features (petal length, petal width) and a 0/1 label:

| Petal_Length | Petal_Width | Label |
| --- | --- | --- |
| 1.4 | 0.2 | 0 |
| 1.5 | 0.2 | 0 |
| 3.0 | 1.1 | 1 |
| 4.1 | 1.3 | 1 |

The lecture folds the bias into the parameters: put a 1 in front of every sample and write
$z = w_1 x_1 + w_2 x_2 + b = \boldsymbol{\theta}^T\mathbf{x}$ with $\boldsymbol{\theta} = [b, w_1, w_2]$.

**Layout.** `X` has one row per sample and a leading column of ones, shape `(N, d+1)`;
`theta = [b, w1, ..., wd]` has shape `(d+1,)`; `y` and the predictions have shape `(N,)`.
All arrays are float64 and 1-D where the layout says so (not column vectors of shape `(N, 1)`).
"""),
    code("""
X = np.array([[1, 1.4, 0.2],
              [1, 1.5, 0.2],
              [1, 3.0, 1.1],
              [1, 4.1, 1.3]])
y = np.array([0.0, 0.0, 1.0, 1.0])
theta = np.array([0.1, 0.5, -0.1])   # [b, w1, w2], the lecture's starting point
print("X", X.shape, " y", y.shape, " theta", theta.shape)
"""),
    md(r"""
## Step 2: compute the output

The sigmoid squashes any real number into $(0, 1)$:
$$\sigma(z) = \frac{1}{1 + e^{-z}}.$$

`np.exp(-z)` overflows for a large negative $z$ (try `np.exp(1000)`): NumPy warns and returns `inf`.
Your `sigmoid` must give $0$ and $1$ at $z = \mp 1000$ without a warning, `inf` or `nan`. The two forms
below are equal; use each one where its exponent is $\le 0$:
$$\sigma(z) = \frac{1}{1 + e^{-z}} \ \ (z \ge 0), \qquad \sigma(z) = \frac{e^{z}}{1 + e^{z}} \ \ (z < 0).$$
`np.where` evaluates both branches on every entry, so compute the exponential of $-|z|$ once and build both
forms from it.
"""),
    code('''
def sigmoid(z):
    """Elementwise sigmoid 1 / (1 + exp(-z)).

    z: array of any shape (or a number). Returns an array of the same shape, float64,
    without overflow warnings for large |z|.
    """
    raise NotImplementedError("write sigmoid")
'''),
    check("sigmoid"),
    md(r"""
For a whole batch, stack the samples as the rows of $\mathbf{X}$; then all outputs come from one
matrix-vector product:
$$\mathbf{z} = \mathbf{X}\boldsymbol{\theta}, \qquad \hat{\mathbf{y}} = \sigma(\mathbf{z}).$$

On the lecture data with $\boldsymbol{\theta} = [0.1, 0.5, -0.1]$:
$\mathbf{z} = [0.78, 0.83, 1.49, 2.02]$ and $\hat{\mathbf{y}} \approx [0.6856, 0.6963, 0.8160, 0.8828]$
(the slide cuts the digits off: $\sigma(0.78) = 0.68568\ldots$ is shown as 0.6856).

*About the slides.* The lecture's single-sample code computes `np.dot(X.T, theta)` because its sample is a
column vector; here the samples are rows, so it is `X @ theta`. One mini-batch slide also writes
$\mathbf{z} = \boldsymbol{\theta}^T\mathbf{x}$ next to $\mathbf{z} = \mathbf{x}\boldsymbol{\theta}$; with
samples in rows the second is the right one. (Those slides are titled "Linear Regression (m-samples)" but
they build logistic regression.)
"""),
    code('''
def predict(X, theta):
    """Predicted probabilities sigmoid(X @ theta).

    X: (N, d+1) with a leading column of ones; theta: (d+1,). Returns shape (N,).
    """
    raise NotImplementedError("write predict")
'''),
    check("predict"),
    md(r"""
## Step 3: compute the loss

The binary cross-entropy of one sample is
$$L(\hat{y}, y) = -y\log\hat{y} - (1-y)\log(1-\hat{y}),$$
and the loss of a batch is its mean over the batch's samples:
$$L(\hat{\mathbf{y}}, \mathbf{y}) = \frac{1}{N}\left(-\mathbf{y}^T\log\hat{\mathbf{y}} - (1-\mathbf{y})^T\log(1-\hat{\mathbf{y}})\right).$$

Do not clip $\hat{y}$: the tests keep it inside $[10^{-12}, 1-10^{-12}]$. Return one number.

Lecture figures:
* batch (all four rows): $\frac{1}{4}(-\log 0.8160 - \log 0.8828 - \log 0.3144 - \log 0.3037) \approx 0.6691$
  (the exact value is 0.66926; the slide rounds along the way);
* mini-batch of rows 2 and 4 ($m = 2$): $\hat{\mathbf{y}} = [0.6963, 0.8828]$, $\mathbf{y} = [0, 1]$,
  $L = \frac{0.1246 + 1.1917}{2} \approx 0.65815$ (0.65823 without rounding).
"""),
    code('''
def bce_loss(y_hat, y):
    """Mean binary cross-entropy, a float.

    y_hat: (N,) predicted probabilities in (0, 1); y: (N,) labels 0 or 1.
    L = mean(-y log(y_hat) - (1 - y) log(1 - y_hat)).
    """
    raise NotImplementedError("write bce_loss")
'''),
    check("bce_loss"),
    code("""
try:
    print("batch y_hat       :", np.round(predict(X, theta), 4), " lecture: [0.6856 0.6963 0.816  0.8828]")
    print("batch loss        :", round(float(bce_loss(predict(X, theta), y)), 5), " lecture: 0.6691")
    rows = [1, 3]   # rows 2 and 4 of the table (Python counts from 0)
    print("rows 2, 4 loss    :", round(float(bce_loss(predict(X[rows], theta), y[rows])), 5), " lecture: 0.65815")
except NotImplementedError as e:
    print("implement sigmoid, predict and bce_loss first:", e)
"""),
    md(r"""
## Step 4: compute the derivative

For one sample, the chain rule goes through $\hat{y}$ and $z$:
$$\frac{\partial L}{\partial \theta_i} = \frac{\partial L}{\partial \hat{y}}\,\frac{\partial \hat{y}}{\partial z}\,\frac{\partial z}{\partial \theta_i}
= \frac{\hat{y} - y}{\hat{y}(1-\hat{y})}\cdot \hat{y}(1-\hat{y}) \cdot x_i = x_i(\hat{y} - y).$$
The common factor $(\hat{y} - y)$ gives the whole gradient at once: $\nabla_{\boldsymbol{\theta}} L = \mathbf{x}(\hat{y} - y)$
(its first entry, with $x_0 = 1$, is $\partial L / \partial b$).

The batch loss is a mean, so its gradient is the mean of the per-sample gradients. Stacking them:
$$\nabla_{\boldsymbol{\theta}} L = \frac{1}{N}\,\mathbf{X}^T(\hat{\mathbf{y}} - \mathbf{y}).$$
Here $N$ is the number of rows of the `X` you are given (for a mini-batch that is $m$).

Lecture figure: on all four rows, $\nabla_{\boldsymbol{\theta}} L \approx [0.2702, 0.2431, -0.019]$
(the last entry is $-0.01954$ exactly).

*About the slides.* The lecture's single-sample code `compute_gradient(X, y_hat, y)` returns `X*(y_hat - y)`
with no mean (and a comment above its call says "compute mean of gradient"). That is right for one sample
and wrong for a batch: here `X` is a batch and you must average over its rows. In the mini-batch derivation
a middle step also writes $\frac{\partial L^{(1)}}{\partial b} + \frac{\partial L^{(2)}}{\partial b}$ without
the $\frac{1}{m}$ that the next expression has; the $\frac{1}{m}$ belongs there too.
"""),
    code('''
def compute_gradient(X, y_hat, y):
    """Gradient of the mean BCE with respect to theta.

    X: (N, d+1); y_hat: (N,) predictions for those rows; y: (N,) labels.
    Returns X.T (y_hat - y) / N, shape (d+1,).
    """
    raise NotImplementedError("write compute_gradient")
'''),
    check("compute_gradient"),
    md(r"""
## Step 5: update the parameters

$$\boldsymbol{\theta} \leftarrow \boldsymbol{\theta} - \eta\,\nabla_{\boldsymbol{\theta}} L, \qquad \eta \text{ is the learning rate.}$$

**Argument order.** The lecture's code is `update(theta, lr, gradient)`; this course's order is
`update(theta, grad, lr)`. The grader calls by position, so keep the order of the stub.

Return a new array and leave `theta` as it was: `theta -= lr * grad` would change the caller's array.
"""),
    code('''
def update(theta, grad, lr):
    """One gradient-descent step, returned as a new array.

    theta: (d+1,); grad: (d+1,); lr: float. Returns theta - lr * grad, shape (d+1,).
    """
    raise NotImplementedError("write update")
'''),
    check("update"),
    md(r"""
## Stochastic gradient descent: one sample at a time

Picking a single sample $(\mathbf{x}, y)$ is the lecture's first method. Here $\mathbf{x}$ is one row of
`X`, shape `(d+1,)`, and $y$ is a number; the five steps collapse into
$$\hat{y} = \sigma(\boldsymbol{\theta}^T\mathbf{x}), \qquad \boldsymbol{\theta} \leftarrow \boldsymbol{\theta} - \eta\,\mathbf{x}(\hat{y} - y).$$

Example: the first sample $\mathbf{x} = [1, 1.4, 0.2]$, $y = 0$, with $\eta = 0.1$ gives
$\hat{y} \approx 0.6857$ and the new $\boldsymbol{\theta} \approx [0.0314, 0.4040, -0.1137]$.
"""),
    code('''
def sgd_step(x, y, theta, lr):
    """One stochastic gradient step on one sample.

    x: (d+1,) one row of X; y: its label (a number); theta: (d+1,); lr: float.
    Returns theta - lr * x * (sigmoid(x . theta) - y), shape (d+1,).
    """
    raise NotImplementedError("write sgd_step")
'''),
    check("sgd_step"),
    md(r"""
## Training: stochastic, mini-batch and batch

The three methods differ only in step 1, how many rows go into each update:

| method | `batch_size` | updates per epoch |
| --- | --- | --- |
| stochastic | 1 | $N$ |
| mini-batch | $m$ | $\lceil N/m \rceil$ |
| batch | $N$ | 1 |

Write `train(X, y, theta, lr, epochs, batch_size)` so that each epoch

* first records the loss on **all** the data with the current `theta` (so `losses[e]` is the loss at the
  start of epoch `e`, and `losses` has length `epochs`);
* then walks the rows **in order, without shuffling**, in batches `[0:bs]`, `[bs:2bs]`, ...; the last batch
  may be smaller, and its gradient is the mean over its own rows;
* makes one update per batch with your `predict`, `compute_gradient` and `update`.

Return `(theta, losses)`: the final parameters, shape `(d+1,)`, and the losses, length `epochs`.
Do not modify the `theta` you are given.
"""),
    code('''
def train(X, y, theta, lr, epochs, batch_size):
    """Mini-batch gradient descent on the mean BCE.

    X: (N, d+1); y: (N,); theta: (d+1,) starting point; lr: float; epochs: int; batch_size: int.
    Returns (theta, losses): theta (d+1,) after training, losses (epochs,) where losses[e] is
    bce_loss(predict(X, theta), y) at the start of epoch e.
    """
    raise NotImplementedError("write train")
'''),
    check("train"),
    md(r"""
### Loss curves

The cell below trains from the lecture's starting point with $\eta = 0.1$ for 100 epochs, once per method.
The left plot counts epochs (passes over the data); the right plot counts parameter updates. Stochastic
training makes four updates per epoch on this data, so it looks fastest per epoch; per update, the
three methods travel at a similar pace. The stochastic and mini-batch curves look smooth because the loss
is recorded once per epoch, always at the same point of the fixed visiting order; between those points
each update follows only its own batch, and the loss on all the data can go up as well as down.
"""),
    code("""
try:
    epochs, lr = 100, 0.1
    methods = {"stochastic (batch_size=1)": 1,
               "mini-batch (batch_size=2)": 2,
               f"batch (batch_size={len(X)})": len(X)}
    runs = {label: train(X, y, theta, lr, epochs, batch_size) for label, batch_size in methods.items()}
except NotImplementedError as e:
    runs = {}
    print("implement predict, bce_loss, compute_gradient, update and train first:", e)

if runs:
    fig, (by_epoch, by_update) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for label, (final_theta, losses) in runs.items():
        updates_per_epoch = int(np.ceil(len(X) / methods[label]))
        by_epoch.plot(np.arange(epochs), losses, label=label)
        by_update.plot(np.arange(epochs) * updates_per_epoch, losses, label=label)
        print(f"{label:28s} final loss {losses[-1]:.4f}  theta {np.round(final_theta, 3)}")
    by_epoch.set_xlabel("epoch")
    by_update.set_xlabel("parameter updates")
    by_epoch.set_ylabel("BCE on all the data")
    by_epoch.set_title("Loss per epoch")
    by_update.set_title("Loss per update")
    by_epoch.legend()
    plt.tight_layout()
    plt.show()
"""),
    md(r"""
## Why binary cross-entropy and not the squared error?

With the same sigmoid model, the lecture compares BCE with the mean squared error $L = (\hat{y} - y)^2$.
Its chain rule has the same three factors, but $\partial L / \partial \hat{y} = 2(\hat{y} - y)$ no longer
cancels $\partial\hat{y}/\partial z = \hat{y}(1-\hat{y})$:
$$\frac{\partial L}{\partial \theta_i} = 2x_i(\hat{y} - y)\,\hat{y}(1-\hat{y}).$$
For a batch, average over the samples (the loss is the mean of $(\hat{y} - y)^2$):
$$\nabla_{\boldsymbol{\theta}} L = \frac{1}{N}\sum_{n} 2\,\mathbf{x}^{(n)}(\hat{y}^{(n)} - y^{(n)})\,\hat{y}^{(n)}(1-\hat{y}^{(n)}).$$
The public check compares your gradient with central differences of
`np.mean((sigmoid(X @ theta) - y)**2)`.
"""),
    code('''
def mse_sigmoid_gradient(X, y, theta):
    """Gradient of mean((sigmoid(X @ theta) - y)**2) with respect to theta.

    X: (N, d+1); y: (N,); theta: (d+1,).
    Returns mean over samples of 2 x (y_hat - y) y_hat (1 - y_hat), shape (d+1,).
    """
    raise NotImplementedError("write mse_sigmoid_gradient")
'''),
    check("mse_sigmoid_gradient"),
    md(r"""
The plot below takes one sample with $y = 1$. On the left, the two losses against $\hat{y}$: BCE grows
without bound as the prediction becomes confidently wrong ($\hat{y} \to 0$), the squared error never
exceeds 1. On the right, the size of the gradient with respect to $z$: BCE gives $|\hat{y} - y|$, largest
when the model is most wrong; the squared error multiplies by $\hat{y}(1-\hat{y})$ and its gradient vanishes
exactly there, so a badly wrong model barely learns.
"""),
    code(r"""
y_hat_grid = np.linspace(0.001, 0.999, 400)
bce_curve = -np.log(y_hat_grid)                 # y = 1
mse_curve = (y_hat_grid - 1) ** 2
fig, (losses_ax, grads_ax) = plt.subplots(1, 2, figsize=(11, 4))
losses_ax.plot(y_hat_grid, bce_curve, label=r"BCE  $-\log\hat{y}$")
losses_ax.plot(y_hat_grid, mse_curve, label=r"MSE  $(\hat{y}-1)^2$")
losses_ax.set_ylim(0, 5)
losses_ax.set_xlabel(r"$\hat{y}$")
losses_ax.set_title("Loss for y = 1")
losses_ax.legend()
grads_ax.plot(y_hat_grid, np.abs(y_hat_grid - 1), label=r"BCE  $|\hat{y}-1|$")
grads_ax.plot(y_hat_grid, np.abs(2 * (y_hat_grid - 1) * y_hat_grid * (1 - y_hat_grid)),
              label=r"MSE  $|2(\hat{y}-1)\hat{y}(1-\hat{y})|$")
grads_ax.set_xlabel(r"$\hat{y}$")
grads_ax.set_title("|dL/dz| for y = 1")
grads_ax.legend()
plt.tight_layout()
plt.show()
"""),
    md(r"""
### Convexity through the Hessian

The Hessian of a scalar function is the square matrix of its second partial derivatives. The lecture's
example: $f(x, y) = x^2 + 2x^2y + y^3$ has $\frac{\partial f}{\partial x} = 2x + 4xy$,
$\frac{\partial f}{\partial y} = 2x^2 + 3y^2$ and
$$H_f = \begin{bmatrix} 2 + 4y & 4x \\ 4x & 6y \end{bmatrix}.$$

A function is convex when its Hessian is positive semi-definite everywhere; a necessary condition, the one
the lecture checks, is that every diagonal entry $\partial^2 L / \partial\theta_i^2$ is $\ge 0$.

**BCE.** Differentiate $x_i(\hat{y} - y)$ once more; only $\hat{y}$ depends on $\theta_i$:
$$\frac{\partial^2 L}{\partial \theta_i^2} = x_i^2\,\hat{y}(1-\hat{y}) \ \ge 0, \qquad x_i^2 \ge 0,\ \ \hat{y}(1-\hat{y}) \in [0, \tfrac14].$$
For a batch, average over the samples. (The full Hessian is $\frac{1}{N}\mathbf{X}^T \mathrm{diag}(\hat{y}(1-\hat{y}))\,\mathbf{X}$,
and $\mathbf{v}^T H \mathbf{v} = \frac{1}{N}\sum_n \hat{y}^{(n)}(1-\hat{y}^{(n)})\,(\mathbf{x}^{(n)}\cdot\mathbf{v})^2 \ge 0$,
so the BCE loss is convex in $\boldsymbol{\theta}$, not only along each axis.)

**Squared error.** The lecture expands $2x_i(\hat{y} - y)\hat{y}(1-\hat{y})$ and differentiates again:
$$\frac{\partial^2 L}{\partial \theta_i^2} = 2x_i^2\,\hat{y}(1-\hat{y})\left[-3\hat{y}^2 + 2\hat{y} - y + 2y\hat{y}\right].$$
The bracket can be negative: for $y = 1$ it is $-3\hat{y}^2 + 4\hat{y} - 1 < 0$ when $\hat{y} < \frac13$;
for $y = 0$ it is $-3\hat{y}^2 + 2\hat{y} < 0$ when $\hat{y} > \frac23$. (For $y = 1$, $\hat{y} = \frac13$ is
exactly where the squared error's $|dL/dz|$ curve in the plot above peaks; left of the peak the loss curves
downward.) So the squared error with a sigmoid is not
convex, and gradient descent can stall on its flat parts.
"""),
    code('''
def bce_second_derivative(X, theta):
    """Diagonal of the Hessian of the mean BCE with respect to theta.

    X: (N, d+1); theta: (d+1,). Returns mean over samples of x_i**2 * y_hat * (1 - y_hat),
    shape (d+1,), with y_hat = sigmoid(X @ theta). Every entry is >= 0.
    """
    raise NotImplementedError("write bce_second_derivative")
'''),
    check("bce_second_derivative"),
    code("""
try:
    rng = np.random.default_rng(0)
    diagonals = [bce_second_derivative(X, rng.normal(scale=3, size=3)) for _ in range(1000)]
    print("BCE Hessian diagonal at the lecture's theta:", np.round(bce_second_derivative(X, theta), 4))
    print("smallest entry over 1000 random thetas     :", np.min(diagonals))
except NotImplementedError as e:
    print("implement bce_second_derivative first:", e)
"""),
    md(r"""
## Optional: a tanh model

The hyperbolic tangent is a rescaled sigmoid:
$$\tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}} = 2\,\sigma(2x) - 1, \qquad \tanh'(x) = 1 - \tanh^2(x).$$
Its outputs lie in $(-1, 1)$, so to use it as a probability the lecture shifts it:
$$\hat{y} = \tanh(z), \qquad \hat{y}_s = \frac{\hat{y} + 1}{2}, \qquad L = -y\log\hat{y}_s - (1-y)\log(1-\hat{y}_s).$$
The chain rule has four factors:
$$\frac{\partial L}{\partial \theta_i} = \frac{\hat{y}_s - y}{\hat{y}_s(1-\hat{y}_s)}\cdot\frac12\cdot(1-\hat{y}^2)\cdot x_i
= x_i\,\frac{(\hat{y} + 1 - 2y)(1-\hat{y}^2)}{(\hat{y}+1)(1-\hat{y})} = x_i(\hat{y} + 1 - 2y),$$
because $1 - \hat{y}^2 = (1+\hat{y})(1-\hat{y})$. For a batch, average over the samples (NumPy has `np.tanh`).
The public check only looks at the shape; the cell after it compares your gradient with central differences.
"""),
    code('''
def tanh_gradient(X, y, theta):
    """Gradient of the mean BCE of the tanh model with respect to theta.

    X: (N, d+1); y: (N,); theta: (d+1,). With y_hat = tanh(X @ theta), returns the mean over
    samples of x (y_hat + 1 - 2 y), shape (d+1,).
    """
    raise NotImplementedError("write tanh_gradient")
'''),
    check("tanh_gradient"),
    code("""
try:
    def tanh_model_loss(t):
        return bce_loss((np.tanh(X @ t) + 1) / 2, y)

    step = 1e-6
    numerical = np.array([(tanh_model_loss(theta + step * e) - tanh_model_loss(theta - step * e)) / (2 * step)
                          for e in np.eye(len(theta))])
    print("your tanh_gradient    :", np.round(tanh_gradient(X, y, theta), 6))
    print("central differences   :", np.round(numerical, 6))
except NotImplementedError as e:
    print("implement bce_loss and tanh_gradient first:", e)
"""),
    md(r"""
## All public checks

Run every public test at once before you submit.
"""),
    code("check()"),
]


def build():
    return assignment_notebook(NAME, CELLS)


if __name__ == "__main__":
    write_assignment_notebook(NAME, CELLS, Path(__file__).resolve().parent)
