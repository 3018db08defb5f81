"""tinynet.textbook: every textbook form gives the fast form's numbers on random inputs. NumPy only.

The loops of Conv2D against im2col live in ``tests/test_fast_paths.py``; here the textbook
forms meet the layers as a model uses them (activation included), and central differences.
"""

import numpy as np
import pytest

from tinynet import activations, losses, optimizers
from tinynet import textbook as tb
from tinynet.gradcheck import gradcheck
from tinynet.layers import Conv2D, Dense, Dropout, MaxPooling2D

NAMES = ["linear", "relu", "sigmoid", "tanh", "softmax"]


def away_from_zero(rng, shape, scale=2.0):
    """Random values at least 0.05 from 0, so no ReLU kink sits within rounding of an entry."""
    z = rng.uniform(0.05, scale, shape)
    return z * rng.choice([-1.0, 1.0], shape)


# -- Dense and activations ---------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_dense_layer_is_the_textbook_sums_after_the_activation(name):
    rng = np.random.default_rng(len(name))
    x = rng.standard_normal((4, 3))
    layer = Dense(5, activation=name, dtype="float64")
    layer.forward(x)
    layer.params["bias"][:] = rng.standard_normal(5)
    W, b = layer.params["kernel"], layer.params["bias"]
    f, f_backward = tb.activations.FUNCTIONS[name]
    z = tb.dense.dense_forward(x, W, b)
    np.testing.assert_allclose(layer.forward(x), f(z), rtol=1e-12, atol=1e-14)
    dy = rng.standard_normal((4, 5))
    dx, dW, db = tb.dense.dense_backward(x, W, f_backward(dy, z))
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.grads["kernel"], dW, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.grads["bias"], db, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_each_activation_and_its_derivative_match_the_fast_form(name):
    rng = np.random.default_rng(3)
    z, dy = away_from_zero(rng, (5, 4), scale=4.0), rng.standard_normal((5, 4))
    fast, (f, f_backward) = activations.get(name), tb.activations.FUNCTIONS[name]
    y = fast.forward(z)
    np.testing.assert_allclose(y, f(z), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fast.backward(dy, y), f_backward(dy, z), rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_each_textbook_derivative_passes_central_differences(name):
    z = away_from_zero(np.random.default_rng(4), (3, 4))
    f, f_backward = tb.activations.FUNCTIONS[name]
    assert gradcheck(f, z, backward=lambda dy: f_backward(dy, z)).passed


# -- softmax + cross-entropy --------------------------------------------------------------------
@pytest.mark.parametrize("targets", ["one-hot", "soft"])
def test_the_jacobian_route_and_the_shortcut_agree_with_the_fused_loss(targets):
    rng = np.random.default_rng(5)
    z = rng.uniform(-3, 3, (6, 4))
    labels = rng.integers(0, 4, 6)
    t = tb.softmax_ce.one_hot(labels, 4) if targets == "one-hot" else rng.dirichlet(
        np.ones(4), 6)
    long_way, shortcut = tb.softmax_ce.backward_through_jacobian(t, z), tb.softmax_ce.backward(t, z)
    np.testing.assert_allclose(long_way, shortcut, rtol=1e-10, atol=1e-15)
    value, dz = losses.CategoricalCrossentropy().from_logits(t, z)
    np.testing.assert_allclose(dz, shortcut, rtol=1e-12, atol=1e-15)
    p = tb.activations.softmax(z)
    assert value == pytest.approx(tb.softmax_ce.cross_entropy(t, p), rel=1e-12)
    if targets == "one-hot":
        value, dz = losses.SparseCategoricalCrossentropy().from_logits(labels, z)
        np.testing.assert_allclose(dz, shortcut, rtol=1e-12, atol=1e-15)
    loss = lambda z_: tb.softmax_ce.cross_entropy(t, tb.activations.softmax(z_))  # noqa: E731
    assert gradcheck(lambda z_: (loss(z_), tb.softmax_ce.backward(t, z_)), z).passed


def test_the_shortcut_needs_targets_that_sum_to_one():
    # Σ t = 2 in each row: the long way is right (and differs), (p − t)/N is not
    rng = np.random.default_rng(6)
    z, t = rng.standard_normal((3, 4)), 2 * rng.dirichlet(np.ones(4), 3)
    assert not np.allclose(tb.softmax_ce.backward_through_jacobian(t, z),
                           tb.softmax_ce.backward(t, z))


# -- Conv2D and max-pooling ---------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "kernel", "strides", "padding"), [
    ((2, 5, 6, 2), (3, 3), (1, 1), "valid"),
    ((1, 7, 5, 2), (3, 2), (2, 1), "same"),
    ((2, 6, 6, 1), (3, 3), (2, 2), "same"),
])
def test_conv_layer_with_relu_is_the_textbook_loops_after_relu(shape, kernel, strides, padding):
    rng = np.random.default_rng(sum(shape))
    layer = Conv2D(3, kernel, strides=strides, padding=padding, activation="relu",
                   dtype="float64")
    x = rng.standard_normal(shape)
    layer.forward(x)
    layer.params["bias"][:] = rng.standard_normal(3)
    W, b = layer.params["kernel"], layer.params["bias"]
    z = tb.conv.conv2d(x, W, b, strides, padding)
    y = layer.forward(x)
    np.testing.assert_allclose(y, tb.activations.relu(z), rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx, dW, db = tb.conv.conv2d_backward(x, W, tb.activations.relu_backward(dy, z),
                                         strides, padding)
    np.testing.assert_allclose(layer.backward(dy), dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], db, rtol=1e-12, atol=1e-12)


def test_textbook_conv_backward_passes_central_differences():
    rng = np.random.default_rng(7)
    x, W = rng.standard_normal((1, 4, 5, 2)), rng.standard_normal((3, 2, 2, 2))
    b = rng.standard_normal(2)

    def backward(dz):
        return tb.conv.conv2d_backward(x, W, dz, (2, 1), "same")[0]

    assert gradcheck(lambda x_: tb.conv.conv2d(x_, W, b, (2, 1), "same"), x,
                     backward=backward).passed


@pytest.mark.parametrize(("shape", "pool", "strides", "padding"), [
    ((2, 6, 6, 3), (2, 2), None, "valid"),  # tiles: the reshape path
    ((2, 7, 5, 2), (2, 2), None, "valid"),  # tiles, less the dropped row and column
    ((1, 7, 7, 2), (3, 3), (2, 2), "same"),  # overlapping windows, −∞ padding
    ((2, 5, 6, 1), (2, 3), (1, 2), "valid"),
])
@pytest.mark.parametrize("values", ["distinct", "ties"])
def test_max_pool_layer_is_the_textbook_loops_ties_included(shape, pool, strides, padding,
                                                            values):
    rng = np.random.default_rng(sum(shape))
    x = (rng.integers(0, 3, shape).astype(np.float64) if values == "ties"
         else rng.standard_normal(shape))
    layer = MaxPooling2D(pool, strides=strides, padding=padding, dtype="float64")
    y = layer.forward(x)
    np.testing.assert_array_equal(y, tb.pooling.max_pool2d(x, pool, strides, padding))
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(layer.backward(dy),
                               tb.pooling.max_pool2d_backward(x, dy, pool, strides, padding),
                               rtol=1e-15, atol=0)


# -- dropout ------------------------------------------------------------------------------------
def test_dropout_layer_is_the_textbook_mask():
    rng = np.random.default_rng(8)
    x, dy = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    keep = rng.random((6, 5)) >= 0.3
    layer = Dropout(0.3, dtype="float64")
    layer.fixed_mask = keep
    y, mask = tb.dropout.dropout(x, 0.3, keep=keep)
    np.testing.assert_allclose(layer.forward(x, training=True), y, rtol=1e-15)
    np.testing.assert_allclose(layer.backward(dy), tb.dropout.dropout_backward(dy, mask),
                               rtol=1e-15)
    assert ((mask == 0) == ~keep).all()


# -- optimizers: the fast form's weights after several steps equal the paper's ------------------
# hyperparameters exact in float32, so Keras's cast of them through float32 changes nothing
LR, MU, RHO, B1, B2 = 0.01, 0.5, 0.75, 0.875, 1 - 2.0**-10


def fast_steps(optimizer, w0, grads):
    w = w0.copy()
    for g in grads:
        optimizer.update({"w": w}, {"w": g})
    return w


@pytest.fixture
def problem():
    rng = np.random.default_rng(9)
    return rng.standard_normal((3, 4)), [rng.standard_normal((3, 4)) for _ in range(6)]


def test_sgd_and_momentum(problem):
    w0, grads = problem
    w, v = w0.copy(), np.zeros_like(w0)
    for g in grads:
        w, v = tb.optimizers.momentum(w, v, g, LR, MU)
    got = fast_steps(optimizers.SGD(LR, momentum=MU), w0, grads)
    np.testing.assert_allclose(got, w, rtol=1e-13)
    plain = w0.copy()
    for g in grads:
        plain = tb.optimizers.sgd(plain, g, LR)
    np.testing.assert_allclose(fast_steps(optimizers.SGD(LR), w0, grads), plain, rtol=1e-13)


def test_nesterov_keras_weights_are_the_papers_look_ahead_point():
    # f(w) = ½‖A·w − c‖²: Keras's weights W are the paper's w + μ·v at every step
    rng = np.random.default_rng(10)
    A, c = rng.standard_normal((4, 4)), rng.standard_normal(4)
    grad_at = lambda point: A.T @ (A @ point - c)  # noqa: E731
    w, v = rng.standard_normal(4), np.zeros(4)
    W, fast = w.copy(), optimizers.SGD(LR, momentum=MU, nesterov=True)
    for _ in range(8):
        fast.update({"w": W}, {"w": grad_at(W)})
        w, v = tb.optimizers.nesterov(w, v, grad_at, LR, MU)
        np.testing.assert_allclose(W, w + MU * v, rtol=1e-12)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("mu", [0.0, MU])
def test_rmsprop(problem, centered, mu):
    w0, grads = problem
    w, n, g_mean, delta = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), np.zeros_like(w0)
    for g in grads:
        if centered or mu:
            w, n, g_mean, delta = tb.optimizers.rmsprop_graves(
                w, n, g_mean, delta, g, LR, RHO, mu, 1e-7, centered=centered)
        else:
            w, n = tb.optimizers.rmsprop(w, n, g, LR, RHO, 1e-7)
    fast = optimizers.RMSprop(LR, rho=RHO, momentum=mu, centered=centered)
    np.testing.assert_allclose(fast_steps(fast, w0, grads), w, rtol=1e-12)


def test_adagrad_with_kerass_start_and_no_epsilon(problem):
    w0, grads = problem
    w, G = w0.copy(), np.full_like(w0, 0.125)
    for g in grads:
        w, G = tb.optimizers.adagrad(w, G, g, LR, delta=0.0)
    fast = optimizers.Adagrad(LR, initial_accumulator_value=0.125, epsilon=0.0)
    np.testing.assert_allclose(fast_steps(fast, w0, grads), w, rtol=1e-12)


def test_adadelta(problem):
    w0, grads = problem
    w, eg2, edx2 = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for g in grads:
        w, eg2, edx2 = tb.optimizers.adadelta(w, eg2, edx2, g, RHO, 1e-7, lr=LR)
    fast = optimizers.Adadelta(LR, rho=RHO, epsilon=1e-7)
    np.testing.assert_allclose(fast_steps(fast, w0, grads), w, rtol=1e-12)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_is_the_paper_with_kerass_epsilon_as_epsilon_hat(problem, amsgrad):
    w0, grads = problem
    eps = 1e-3  # large, so a misplaced ε would show
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    v_max = np.zeros_like(w0) if amsgrad else None
    for t, g in enumerate(grads, start=1):
        eps_paper = eps / np.sqrt(1 - B2**t)  # Keras's ε is the paper's ε̂, beside sqrt(v)
        w, m, v, v_max = tb.optimizers.adam(w, m, v, g, t, LR, B1, B2, eps_paper, v_max)
    fast = optimizers.Adam(LR, beta_1=B1, beta_2=B2, epsilon=eps, amsgrad=amsgrad)
    np.testing.assert_allclose(fast_steps(fast, w0, grads), w, rtol=1e-12)
