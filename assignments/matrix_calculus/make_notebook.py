"""Writes matrix_calculus.ipynb, the student notebook of this assignment.

Run ``python make_notebook.py`` in this folder after editing the cells below.
"""

from pathlib import Path
from textwrap import dedent

from autograder.notebook.authoring import assignment_notebook, check, code, md, write_assignment_notebook

NAME = "matrix_calculus"


def indent_doc(text):
    return "\n".join(("    " + line) if line else "" for line in dedent(text).strip().splitlines())


def contract_stub(name, args, doc):
    body = (f"def {name}({args}):\n    \"\"\"{indent_doc(doc).lstrip()}\n    \"\"\"\n"
            f"    raise NotImplementedError(\"implement {name}\")")
    return [code(body), check(name)]


CELLS = [
    md(r"""
    # Matrix calculus for backpropagation

    This notebook follows the lecture *Backpropagation* (Foundations of Data Analysis). You will

    1. compute Jacobians numerically with central differences and chain them (multivariate chain rule);
    2. write the loss functions of the lecture together with their gradients;
    3. differentiate a matrix-vector product with respect to the **matrix** (a 3-D array);
    4. backpropagate through a one-layer and a two-layer network;
    5. implement a numerically stable softmax, its Jacobian and the gradient of the cross-entropy.

    **Conventions** (the grader checks shapes exactly and names this convention when a shape is wrong):

    * vectors are 1-D arrays, everything is `float64`;
    * the Jacobian of $g:\mathbb{R}^p\to\mathbb{R}^q$ has shape `(q, p)`: one **row per output**, one column per input;
    * the derivative of an output vector of length $q$ with respect to a matrix $W$ of shape `(q, p)` is a
      3-D array `D` of shape `(q, q, p)` with `D[k, i, j]` $=\partial\,\text{output}_k/\partial W_{ij}$;
    * `softmax` works along the last axis; class labels are indices `0..K-1`;
    * functions must not change their inputs in place.

    Each function has a cell `check("name")` after it that runs the public tests of that function. The grade
    also uses hidden tests (other sizes and random inputs), so make your functions general.
    """),
    code("""
    import numpy as np
    import matplotlib.pyplot as plt

    from autograder.selfcheck import Checker

    check = Checker("matrix_calculus")
    """),
    md(r"""
    ## 1. The chain rule and the Jacobian matrix

    For $f, g:\mathbb{R}\to\mathbb{R}$ differentiable, $\dfrac{d}{dx}\,f(g(x)) = f'(g(x))\,g'(x)$.

    A multivariate mapping $g:\mathbb{R}^p\to\mathbb{R}^q$ is $q$ functions of $p$ variables,
    $g(x_1,\dots,x_p) = \big(g_1(x_1,\dots,x_p),\dots,g_q(x_1,\dots,x_p)\big)$.
    With the partial derivatives $D_j g_i = \dfrac{\partial g_i}{\partial x_j}$ the **Jacobian matrix** is the
    $q\times p$ matrix

    $$Dg = \begin{pmatrix} D_1 g_1 & D_2 g_1 & \cdots & D_p g_1\\ D_1 g_2 & D_2 g_2 & \cdots & D_p g_2\\
    \vdots & \vdots & & \vdots\\ D_1 g_q & D_2 g_q & \cdots & D_p g_q \end{pmatrix}.$$

    *Slide typo:* the slide writes $D_j g_i = \partial g_i/\partial x_i$; the variable is $x_j$.

    **Numerically**, column $j$ of the Jacobian is the rate of change of $g$ along the unit vector $e_j$.
    Central differences are accurate to $O(\varepsilon^2)$ (forward differences only to $O(\varepsilon)$):

    $$Dg(x)_{:,j} \approx \frac{g(x+\varepsilon e_j) - g(x-\varepsilon e_j)}{2\varepsilon}.$$

    A scalar function ($q = 1$) gives a Jacobian of shape `(1, p)`: the transposed gradient.
    """),
    *contract_stub("numerical_jacobian", "g, x, eps", r"""
        Jacobian of g at x by central differences.

        g: a function taking an array of shape (p,) and returning shape (q,) (or a scalar: q = 1).
        x: shape (p,). eps: the step.
        Returns shape (q, p): column j is (g(x + eps*e_j) - g(x - eps*e_j)) / (2*eps).
        Do not change x in place: perturb a copy.
    """),
    md(r"""
    ### Worked example: numerical versus analytic Jacobian

    The polar map $g(r,\theta) = (r\cos\theta,\; r\sin\theta)$ has the Jacobian

    $$Dg(r,\theta) = \begin{pmatrix} \cos\theta & -r\sin\theta\\ \sin\theta & r\cos\theta\end{pmatrix}.$$

    The cell compares it with your numerical Jacobian at $(r,\theta) = (2, \pi/6)$, then shows how the error
    depends on $\varepsilon$: it falls like $\varepsilon^2$ until rounding errors (about $10^{-16}/\varepsilon$) take
    over, which is why steps around $10^{-5}$ to $10^{-6}$ are used for gradient checks.
    """),
    code(r"""
    def polar(v):
        return np.array([v[0] * np.cos(v[1]), v[0] * np.sin(v[1])])


    def polar_jacobian(v):
        r, theta = v
        return np.array([[np.cos(theta), -r * np.sin(theta)], [np.sin(theta), r * np.cos(theta)]])


    point = np.array([2.0, np.pi / 6])
    try:
        numeric = numerical_jacobian(polar, point, 1e-6)
        print("analytic:\n", polar_jacobian(point))
        print("numerical:\n", numeric)
        print("largest difference:", np.max(np.abs(numeric - polar_jacobian(point))))

        steps = np.logspace(-12, -1, 23)
        errors = [np.max(np.abs(numerical_jacobian(polar, point, h) - polar_jacobian(point))) for h in steps]
        plt.figure(figsize=(5, 3.5))
        plt.loglog(steps, errors, "o-", label="central differences")
        truncation, rounding = steps[steps >= 1e-7], steps[steps <= 1e-4]
        plt.loglog(truncation, truncation ** 2, "--", color="gray", label=r"$\varepsilon^2$ (truncation)")
        plt.loglog(rounding, 1e-16 / rounding, ":", color="gray", label=r"$10^{-16}/\varepsilon$ (rounding)")
        plt.xlabel(r"step $\varepsilon$")
        plt.ylabel("largest error")
        plt.legend()
        plt.title("numerical Jacobian of the polar map")
        plt.show()
    except NotImplementedError as e:
        print("implement numerical_jacobian first:", e)
    """),
    md(r"""
    ## 2. The multivariate chain rule

    For $f:\mathbb{R}^q\to\mathbb{R}^r$ and $g:\mathbb{R}^p\to\mathbb{R}^q$,

    $$D[f(g(x))] = Df(g(x))\,Dg(x),$$

    a matrix product with the inner function on the **right**: $(r\times q)(q\times p) = r\times p$.

    For a scalar $f:\mathbb{R}^q\to\mathbb{R}$ the Jacobian is the transposed gradient,
    $Df(x) = \big(\tfrac{\partial f}{\partial x_1}\ \cdots\ \tfrac{\partial f}{\partial x_q}\big) = \nabla f(x)^T$,
    so transposing the chain rule gives the **gradient chain rule**

    $$\nabla\big[f(g(x))\big] = \big[Df(g(x))\,Dg(x)\big]^T = Dg(x)^T\,\nabla f(g(x)).$$

    (The slide's left-hand side is missing a closing bracket.)
    """),
    *contract_stub("compose_jacobian", "Df_at_gx, Dg_at_x", r"""
        Jacobian of f(g(x)) by the multivariate chain rule.

        Df_at_gx: shape (r, q), the Jacobian of f at g(x).
        Dg_at_x: shape (q, p), the Jacobian of g at x.
        Returns shape (r, p): Df(g(x)) @ Dg(x).
    """),
    md(r"""
    ### Worked example: the chain rule agrees with differentiating the composition

    Take the polar map $g:\mathbb{R}^2\to\mathbb{R}^2$ and $f(u) = (u_1u_2,\; u_1 + u_2^2,\; \sin u_1)$,
    $f:\mathbb{R}^2\to\mathbb{R}^3$. Chaining the two Jacobians must give the Jacobian of $f\circ g$.
    """),
    code(r"""
    def f(u):
        return np.array([u[0] * u[1], u[0] + u[1] ** 2, np.sin(u[0])])


    try:
        chained = compose_jacobian(numerical_jacobian(f, polar(point), 1e-6), numerical_jacobian(polar, point, 1e-6))
        direct = numerical_jacobian(lambda v: f(polar(v)), point, 1e-6)
        print("Df(g(x)) Dg(x):\n", chained)
        print("D[f(g(x))]:\n", direct)
        print("largest difference:", np.max(np.abs(chained - direct)))
    except NotImplementedError as e:
        print("implement numerical_jacobian and compose_jacobian first:", e)
    """),
    md(r"""
    ## 3. Loss functions and their gradients

    All losses are means over $n$ samples; `y` and `y_hat` have shape `(n,)`, and the gradient
    $\partial\mathcal{L}/\partial\hat y$ has shape `(n,)` too.

    | name | labels and predictions | loss $\mathcal{L}(y,\hat y)$ | gradient $\partial\mathcal{L}/\partial\hat y_i$ |
    | --- | --- | --- | --- |
    | `mse` (linear regression) | $y,\hat y\in\mathbb{R}$ | $\frac1n\sum_i (y_i-\hat y_i)^2$ | $\frac2n(\hat y_i - y_i)$ |
    | `mae` | $y,\hat y\in\mathbb{R}$ | $\frac1n\sum_i \lvert y_i-\hat y_i\rvert$ | $\frac1n\operatorname{sign}(\hat y_i-y_i)$ |
    | `hinge` (SVM) | $y\in\{-1,+1\}$, score $\hat y\in\mathbb{R}$ | $\frac1n\sum_i\max(0,\,1-y_i\hat y_i)$ | $-\frac{y_i}{n}$ if $y_i\hat y_i<1$, else $0$ |
    | `zero_one` (perceptron) | $y\in\{-1,+1\}$, score $\hat y\in\mathbb{R}$ | $\frac1n\sum_i [\,y_i\hat y_i\le 0\,]$ | $0$ |
    | `cross_entropy` (logistic regression) | $y\in\{0,1\}$, $\hat y\in(0,1)$ | $-\frac1n\sum_i \big(y_i\ln\hat y_i + (1-y_i)\ln(1-\hat y_i)\big)$ | $\frac{\hat y_i-y_i}{n\,\hat y_i(1-\hat y_i)}$ |

    **Kinks.** MAE is not differentiable where $\hat y_i = y_i$, hinge where the margin $y_i\hat y_i$ is exactly 1,
    zero-one where $y_i\hat y_i = 0$. There we use the subgradient **0** (`np.sign(0)` is already 0; for hinge,
    note the strict `<`). The zero-one loss is flat everywhere else: its gradient is 0, which is why it cannot
    be minimised by gradient descent and the perceptron uses its own update rule.

    **Labels.** Hinge and zero-one take labels $-1/+1$, cross-entropy takes $0/1$: do not convert the labels.

    *Slide typos:* the cross-entropy is printed as $\frac1n - \sum_i(\dots)$; the minus belongs in front,
    $-\frac1n\sum_i(\dots)$, so that the loss is positive. The zero-one loss is printed for one sample; like the
    others, `zero_one` here is the mean over the samples. Do not clip `y_hat` in the cross-entropy.
    """),
    *contract_stub("loss_and_gradient", "name, y, y_hat", r"""
        One of the lecture's losses and its gradient with respect to y_hat.

        name: "mse", "mae", "hinge", "zero_one" or "cross_entropy".
        y, y_hat: shape (n,); hinge and zero_one use labels -1/+1, cross_entropy labels 0/1.
        Returns (loss, gradient): loss a float (the mean over the n samples), gradient of shape (n,),
        with the subgradient 0 at the kinks (see the table above).
    """),
    md(r"""
    The plot shows each loss for a single sample ($n = 1$, label $y = 1$) as a function of the prediction, with its
    derivative dashed. The dots mark the value your gradient takes at the kinks.
    """),
    code(r"""
    def loss_curve(name, label, y_hats):
        values = [loss_and_gradient(name, np.array([label]), np.array([y_hat])) for y_hat in y_hats]
        return np.array([v[0] for v in values]), np.array([v[1][0] for v in values])


    panels = [("mse", np.linspace(-1, 3, 401), []), ("mae", np.linspace(-1, 3, 401), [1.0]),
              ("hinge", np.linspace(-2, 3, 501), [1.0]), ("zero_one", np.linspace(-2, 3, 501), [0.0]),
              ("cross_entropy", np.linspace(0.01, 0.99, 393), [])]
    try:
        curves = [loss_curve(name, 1.0, y_hats) for name, y_hats, kinks in panels]
        at_kinks = [[loss_and_gradient(name, np.array([1.0]), np.array([k]))[1][0] for k in kinks]
                    for name, y_hats, kinks in panels]
        fig, axes = plt.subplots(1, 5, figsize=(19, 3.6))
        for ax, (name, y_hats, kinks), (loss, slope), slopes in zip(axes, panels, curves, at_kinks):
            ax.plot(y_hats, loss, label="loss")
            ax.plot(y_hats, slope, "--", label=r"$\partial\mathcal{L}/\partial\hat y$")
            ax.plot(kinks, slopes, "ko", ms=4)
            ax.axhline(0, color="gray", lw=0.5)
            ax.set_title(f"{name}, y = 1")
            ax.set_xlabel(r"$\hat y$")
        axes[4].set_ylim(-6, 5)
        axes[0].legend(loc="upper center")
        plt.tight_layout()
        plt.show()
    except NotImplementedError as e:
        print("implement loss_and_gradient first:", e)
    """),
    md(r"""
    ## 4. Derivatives with respect to a matrix

    Think of the matrix-vector product as a mapping of a matrix $W$ (shape $q\times p$) and a vector $x$
    (length $p$): $g(W,x) = Wx$. Its $k$-th output is

    $$g_k(W,x) = W_{k1}x_1 + W_{k2}x_2 + \dots + W_{kp}x_p,$$

    so the partial derivative with respect to the weight $W_{ij}$ is

    $$D_{ij}\,g_k = \frac{\partial g_k}{\partial W_{ij}} = \begin{cases} x_j & \text{if } i = k\\ 0 & \text{if } i\ne k.\end{cases}$$

    One index for the output and two for the weight: **a 3-D array**. We store it as `D[k, i, j]`, shape
    `(q, q, p)`: the output index first, then the indices of $W$. This is the Jacobian rule again (outputs
    first, then inputs): if you flatten $W$ row by row into a vector of length $qp$, the Jacobian of
    $W\mapsto Wx$ has shape `(q, q*p)`, and reshaping it to `(q, q, p)` gives `D`. A `(q, q*p)` or `(q, p, q)`
    answer is a different layout and is graded as wrong.
    """),
    *contract_stub("matvec_weight_derivative", "W, x", r"""
        Derivative of W @ x with respect to W.

        W: shape (q, p). x: shape (p,).
        Returns D of shape (q, q, p) with D[k, i, j] = d(W @ x)_k / dW[i, j] = x[j] if i == k else 0.
    """),
    md(r"""
    The cell below prints `D` for a small example and compares it with the numerical Jacobian of
    $W\mapsto Wx$, taken with respect to $W$ flattened row by row and reshaped to `(q, q, p)`.
    """),
    code(r"""
    W_small = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    x_small = np.array([1.0, 2.0, 3.0])
    try:
        D = matvec_weight_derivative(W_small, x_small)
        q, p = W_small.shape
        numeric = numerical_jacobian(lambda w: w.reshape(q, p) @ x_small, W_small.ravel(), 1e-6).reshape(q, q, p)
        print("shape:", np.shape(D))
        print("D[0] = d(Wx)_0 / dW:\n", D[0])
        print("D[1] = d(Wx)_1 / dW:\n", D[1])
        print("largest difference from the numerical derivative:", np.max(np.abs(D - numeric)))
    except NotImplementedError as e:
        print("implement numerical_jacobian and matvec_weight_derivative first:", e)
    """),
    md(r"""
    ### A single-layer network

    $z = \phi(Wx) = \phi(g(W,x))$ with $\phi$ applied entry by entry. By the chain rule, with $\phi'$ the
    ordinary derivative of $\phi$,

    $$\frac{\partial z_k}{\partial W_{ij}} = \phi'\big(g_k(W,x)\big)\,D_{ij}\,g_k(W,x).$$

    For the sigmoid $\sigma'(a) = \sigma(a)\big(1-\sigma(a)\big)$; for tanh $\tanh'(a) = 1-\tanh^2(a)$.
    The result has the same `(q, q, p)` layout as `D`.
    """),
    *contract_stub("single_layer_grad", "W, x, phi", r"""
        Derivative of z = phi(W @ x) with respect to W.

        W: shape (q, p). x: shape (p,). phi: "sigmoid" or "tanh".
        Returns shape (q, q, p): [k, i, j] = phi'((W @ x)_k) * (x[j] if i == k else 0).
    """),
    md(r"""
    ## 5. A two-layer network

    Layer 1: $z = \sigma(W^{(1)}x)$, layer 2: $\hat y = \sigma(W^{(2)}z)$, loss
    $\mathcal{L}(y,\hat y) = \tfrac12\lVert\hat y - y\rVert^2$ for one sample, so
    $\dfrac{d\mathcal{L}}{d\hat y} = (\hat y - y)^T$. Shapes: $x$ `(p,)`, $W^{(1)}$ `(h, p)`, $z$ `(h,)`,
    $W^{(2)}$ `(k, h)`, $\hat y$ and $y$ `(k,)`.

    **Second layer** (the lecture's formula):

    $$\frac{\partial\mathcal{L}}{\partial W^{(2)}_{ij}} = \Big(\frac{d\mathcal{L}}{d\hat y}\Big)
    \Big\{\phi'\big(g(W^{(2)},z)\big)\,D_{ij}\,g(W^{(2)},z)\Big\}.$$

    Only output $i$ depends on $W^{(2)}_{ij}$, so this collapses to
    $\delta^{(2)}_i z_j$ with $\delta^{(2)} = (\hat y - y)\odot\hat y\odot(1-\hat y)$, i.e.
    $\partial\mathcal{L}/\partial W^{(2)} = \delta^{(2)} z^T$, shape `(k, h)`.

    **First layer:**

    $$\frac{\partial\mathcal{L}}{\partial W^{(1)}_{ij}} = \Big(\frac{d\mathcal{L}}{d\hat y}\Big)
    \Big\{\phi'\big(g(W^{(2)},z)\big)\,D_z\,g(W^{(2)},z)\Big\}\Big[\frac{\partial z}{\partial W^{(1)}_{ij}}\Big],$$

    with $D_z\,g(W^{(2)},z) = W^{(2)}$ and $\partial z/\partial W^{(1)}_{ij}$ from the single-layer formula. It collapses
    to $\delta^{(1)}_i x_j$ with $\delta^{(1)} = \big(W^{(2)T}\delta^{(2)}\big)\odot z\odot(1-z)$, i.e.
    $\partial\mathcal{L}/\partial W^{(1)} = \delta^{(1)} x^T$, shape `(h, p)`.

    The loss is a scalar, so each gradient has the shape of its weight matrix. You may also build the
    3-D arrays of section 4 and contract them with `np.einsum`: the numbers are the same.
    """),
    *contract_stub("two_layer_grads", "W1, W2, x, y", r"""
        Gradients of 0.5 * ||y_hat - y||^2 for z = sigmoid(W1 @ x), y_hat = sigmoid(W2 @ z), one sample.

        W1: shape (h, p). W2: shape (k, h). x: shape (p,). y: shape (k,).
        Returns (dW1, dW2) with dW1 of shape (h, p) and dW2 of shape (k, h).
    """),
    md(r"""
    Gradient check: the cell compares your `dW1` with the numerical Jacobian of the loss with respect to $W^{(1)}$
    flattened row by row (a `(1, h*p)` Jacobian, reshaped to `(h, p)`).
    """),
    code(r"""
    def sigmoid(a):
        return 0.5 * (1 + np.tanh(a / 2))


    rng = np.random.default_rng(0)
    W1_demo, W2_demo = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
    x_demo, y_demo = rng.normal(size=3), np.array([0.0, 1.0])


    def two_layer_loss(w1_flat):
        y_hat = sigmoid(W2_demo @ sigmoid(w1_flat.reshape(W1_demo.shape) @ x_demo))
        return 0.5 * np.sum((y_hat - y_demo) ** 2)


    try:
        dW1, dW2 = two_layer_grads(W1_demo, W2_demo, x_demo, y_demo)
        numeric = numerical_jacobian(two_layer_loss, W1_demo.ravel(), 1e-6).reshape(W1_demo.shape)
        print("dW1:\n", dW1)
        print("largest relative difference:", np.max(np.abs(dW1 - numeric)) / np.max(np.abs(numeric)))
    except NotImplementedError as e:
        print("implement numerical_jacobian and two_layer_grads first:", e)
    """),
    md(r"""
    ## 6. Softmax

    Softmax extends logistic regression to $K$ classes. With a weight vector $w_k$ per class and the logits
    $z_k = x^Tw_k$,

    $$p(y = k\mid x) = \frac{\exp(x^Tw_k)}{\sum_{j=1}^K\exp(x^Tw_j)} = \operatorname{softmax}(z)_k.$$

    The lecture numbers the classes $1,\dots,K$; in code they are the indices $0,\dots,K-1$.

    **Stability.** $\exp(1000)$ overflows to `inf` and `inf/inf` is `nan`. Since
    $\operatorname{softmax}(z - c) = \operatorname{softmax}(z)$ for any constant $c$, subtract $c = \max_k z_k$
    first: every exponent is then $\le 0$ and the largest term is exactly 1. For a batch `Z` of shape `(N, K)`,
    apply softmax to each row (the last axis), with each row's own maximum (`keepdims=True` helps).
    """),
    *contract_stub("softmax", "Z", r"""
        Softmax along the last axis, without overflow for large logits (e.g. 1000).

        Z: shape (K,) or (N, K). Returns an array of the same shape whose last axis sums to 1.
    """),
    md(r"""
    ### The Jacobian of softmax

    With $p = \operatorname{softmax}(z)$, $\dfrac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j)$
    (differentiate $p_i = e^{z_i}/S$ with $S = \sum_k e^{z_k}$ by the quotient rule). As a matrix:

    $$D\,\operatorname{softmax}(z) = \operatorname{diag}(p) - p\,p^T,$$

    a symmetric `(K, K)` matrix whose rows sum to 0 (the probabilities always sum to 1).
    """),
    *contract_stub("softmax_jacobian", "z", r"""
        Jacobian of softmax at the logits z.

        z: shape (K,). Returns shape (K, K): diag(p) - outer(p, p) with p = softmax(z).
    """),
    code(r"""
    z_demo = np.array([2.0, 1.0, 0.1, -1.0, 0.5])
    try:
        analytic = softmax_jacobian(z_demo)
        numeric = numerical_jacobian(softmax, z_demo, 1e-6)
        limit = np.max(np.abs(analytic))
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
        for ax, matrix, title in [(axes[0], analytic, "softmax_jacobian(z)"),
                                  (axes[1], numeric, "numerical_jacobian(softmax, z)")]:
            image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
            for (i, j), value in np.ndenumerate(matrix):
                color = "white" if abs(value) > 0.6 * limit else "black"
                ax.text(j, i, f"{value:.3f}", ha="center", va="center", fontsize=8, color=color)
            ax.set_title(title)
            ax.set_xlabel("j (logit z_j)")
        axes[0].set_ylabel("i (probability p_i)")
        fig.colorbar(image, ax=axes, shrink=0.8)
        plt.show()
        print("largest difference:", np.max(np.abs(analytic - numeric)))
    except NotImplementedError as e:
        print("implement softmax, softmax_jacobian and numerical_jacobian first:", e)
    """),
    md(r"""
    ### Softmax with the cross-entropy

    For logits `Z` of shape `(N, K)` and integer labels `y` in `0..K-1`, the mean cross-entropy is
    $\mathcal{L} = -\frac1N\sum_n \ln p_{n,y_n}$ with $P = \operatorname{softmax}(Z)$. For one sample, the
    gradient chain rule gives
    $\nabla_z\mathcal{L} = D\operatorname{softmax}(z)^T\,\nabla_p\mathcal{L}
    = \big(\operatorname{diag}(p) - pp^T\big)\big(-e_y/p_y\big) = p - e_y$, so for the batch

    $$\frac{\partial\mathcal{L}}{\partial Z} = \frac1N\big(P - \operatorname{onehot}(y)\big),$$

    where row $n$ of $\operatorname{onehot}(y)$ has a 1 in column $y_n$ (column 0 is the first class).
    """),
    *contract_stub("softmax_cross_entropy_grad", "Z, y", r"""
        Gradient of the mean cross-entropy of softmax(Z) with respect to the logits Z.

        Z: shape (N, K). y: integer class indices 0..K-1, shape (N,).
        Returns shape (N, K): (softmax(Z) - onehot(y)) / N.
    """),
    md("""
    ## Check everything

    Run all public tests once more before you hand the notebook in.
    """),
    code("check()"),
]


def build():
    return assignment_notebook(NAME, CELLS)


if __name__ == "__main__":
    write_assignment_notebook(NAME, CELLS, Path(__file__).resolve().parent)
