"""Every fast path gives the same numbers as a straightforward one: ``tinynet.textbook``'s
loops and equations, or the chain rule written out here."""

import numpy as np
import pytest

from tinynet import activations, losses, optimizers, textbook, utils
from tinynet.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from tinynet.models import Sequential

# -- Conv2D: im2col + one GEMM, col2im by slice-adds, against the textbook's loops ----------------
CONV_CASES = [  # input shape, filters, kernel, strides, padding
    ((2, 5, 6, 2), 3, (3, 3), (1, 1), "valid"),
    ((2, 7, 6, 3), 2, (3, 3), (2, 2), "valid"),
    ((1, 7, 5, 2), 3, (3, 2), (2, 1), "same"),
    ((2, 6, 6, 1), 2, (3, 3), (2, 2), "same"),  # even input, stride 2: the odd pad goes after
    ((2, 5, 5, 2), 2, (2, 2), (3, 3), "same"),
    ((2, 7, 7, 2), 2, (5, 5), (1, 1), "same"),
    ((1, 4, 4, 3), 2, (1, 1), (1, 1), "valid"),
]


@pytest.mark.parametrize(("shape", "filters", "kernel", "strides", "padding"), CONV_CASES)
def test_conv_im2col_matches_loops(shape, filters, kernel, strides, padding):
    rng = np.random.default_rng(sum(shape) + filters)
    layer = Conv2D(filters, kernel, strides=strides, padding=padding, dtype="float64")
    x = rng.standard_normal(shape)
    layer.forward(x)  # builds
    layer.params["bias"][:] = rng.standard_normal(filters)
    kernel_w, bias = layer.params["kernel"], layer.params["bias"]

    y = layer.forward(x)
    want = textbook.conv.conv2d(x, kernel_w, bias, strides, padding)
    assert y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)

    dz = rng.standard_normal(y.shape)
    dx = layer.backward_linear(dz)
    dx_want, dkernel, dbias = textbook.conv.conv2d_backward(x, kernel_w, dz, strides, padding)
    np.testing.assert_allclose(layer.grads["kernel"], dkernel, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], dbias, rtol=1e-12, atol=1e-12)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, dx_want, rtol=1e-12, atol=1e-12)


# -- MaxPooling2D: the reshape path against the sliding-window path and the textbook's loops ----
POOL_CASES = [  # input shape, pool, padding: each tiles the input, so the reshape path applies
    ((2, 6, 6, 3), (2, 2), "valid"),
    ((2, 7, 5, 2), (2, 2), "valid"),  # 'valid' drops the last row and column
    ((1, 9, 8, 2), (3, 3), "valid"),
    ((2, 8, 6, 2), (2, 2), "same"),  # the pool divides the input: no padding
    ((1, 6, 6, 1), (2, 3), "valid"),
]


@pytest.mark.parametrize(("shape", "pool", "padding"), POOL_CASES)
@pytest.mark.parametrize("values", ["few", "equal"])
def test_pool_reshape_path_matches_window_path_with_ties(shape, pool, padding, values):
    rng = np.random.default_rng(sum(shape))
    # few distinct values make many ties; all-equal windows are one tie each
    x = (rng.integers(0, 3, shape) if values == "few" else np.full(shape, 2)).astype(np.float64)
    layer = MaxPooling2D(pool, padding=padding, dtype="float64")
    layer.forward(x)  # builds
    assert layer.tiled, "the reshape path must be the one this case exercises"
    dy = rng.standard_normal((len(x), *layer.output_shape))

    y_blocks, y_windows = layer.forward_blocks(x), layer.forward_windows(x)
    dx_blocks, dx_windows = layer.backward_blocks(dy), layer.backward_windows(dy)
    y_want = textbook.pooling.max_pool2d(x, pool, padding=padding)
    dx_want = textbook.pooling.max_pool2d_backward(x, dy, pool, padding=padding)
    np.testing.assert_array_equal(y_blocks, y_want)
    np.testing.assert_array_equal(y_windows, y_want)
    np.testing.assert_array_equal(dx_blocks, dx_want)
    np.testing.assert_array_equal(dx_windows, dx_want)


# -- the fused softmax + cross-entropy gradient against the chain rule ---------------------------
def moderate_logits(rng, shape):
    """Logits whose softmax stays well inside [ε, 1 − ε], so the unfused path's clip never bites."""
    z = rng.uniform(-3, 3, shape)
    p = activations.Softmax().forward(z)
    assert (p > 1e-4).all() and (p < 1 - 1e-4).all()
    return z, p


@pytest.mark.parametrize("shape", [(6, 5), (3, 2, 4)])
@pytest.mark.parametrize("name", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_fused_softmax_crossentropy_gradient_is_the_chain_through_softmax(shape, name):
    rng = np.random.default_rng(len(shape))
    z, p = moderate_logits(rng, shape)
    labels = rng.integers(0, shape[-1], shape[:-1])
    onehot = np.eye(shape[-1])[labels]
    y = labels if name.startswith("sparse") else onehot
    loss = losses.get(name)

    value, dz_fused = loss.from_logits(y, z)
    # unfused: the clipped loss's ∂L/∂p, pushed back through the softmax Jacobian
    dz_chain = activations.Softmax().backward(loss.gradient(y, p), p)
    n = labels.size
    np.testing.assert_allclose(dz_fused, (p - onehot) / n, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dz_fused, dz_chain, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(value, loss(y, p), rtol=1e-12)


def test_fused_categorical_crossentropy_with_soft_targets_is_the_chain_through_softmax():
    rng = np.random.default_rng(7)
    z, p = moderate_logits(rng, (5, 4))
    t = rng.dirichlet(np.ones(4), size=5)  # rows sum to 1, as the fused gradient assumes
    loss = losses.CategoricalCrossentropy()
    _, dz_fused = loss.from_logits(t, z)
    dz_chain = activations.Softmax().backward(loss.gradient(t, p), p)
    np.testing.assert_allclose(dz_fused, dz_chain, rtol=1e-9, atol=1e-15)


def test_fused_sigmoid_binary_crossentropy_gradient_is_the_chain_through_sigmoid():
    rng = np.random.default_rng(3)
    z, t = rng.uniform(-4, 4, (6, 3)), rng.integers(0, 2, (6, 3)).astype(np.float64)
    sigmoid, loss = activations.Sigmoid(), losses.BinaryCrossentropy()
    p = sigmoid.forward(z)
    _, dz_fused = loss.from_logits(t, z)
    np.testing.assert_allclose(dz_fused, (p - t) / z.size, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dz_fused, sigmoid.backward(loss.gradient(t, p), p),
                               rtol=1e-9, atol=1e-15)


# -- Adam's in-place update with reused scratch arrays, against the textbook --------------------
def textbook_adam(w, grads, learning_rate, beta_1, beta_2, epsilon, amsgrad):
    """Kingma & Ba's Algorithm 1 (``tinynet.textbook.optimizers.adam``), Keras's ε as ε̂."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    v_max = np.zeros_like(w) if amsgrad else None
    for t, g in enumerate(grads, start=1):
        eps = epsilon / np.sqrt(1 - beta_2**t)  # the paper's ε for Keras's ε̂
        w, m, v, v_max = textbook.optimizers.adam(w, m, v, g, t, learning_rate, beta_1, beta_2,
                                                  eps, v_max)
    return w


# betas exact in float32, so Keras's cast of them through float32 changes nothing
EXACT = {"learning_rate": 0.01, "beta_1": 0.875, "beta_2": 1 - 2.0**-10, "epsilon": 1e-7}


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_in_place_update_matches_the_textbook(amsgrad):
    rng = np.random.default_rng(11)
    # "a" and "b" have one shape, so they share the optimizer's scratch arrays
    shapes = {"a": (3, 4), "b": (3, 4), "c": (5,)}
    params = {key: rng.standard_normal(shape) for key, shape in shapes.items()}
    start = {key: w.copy() for key, w in params.items()}
    steps = [{key: rng.standard_normal(shape) * rng.uniform(0.01, 3)
              for key, shape in shapes.items()} for _ in range(6)]
    optimizer = optimizers.Adam(amsgrad=amsgrad, **EXACT)
    for grads in steps:
        kept = {key: g.copy() for key, g in grads.items()}
        optimizer.update(params, grads)
        for key in grads:  # the gradients are read, never written
            np.testing.assert_array_equal(grads[key], kept[key])
    for key, w in params.items():
        want = textbook_adam(start[key], [g[key] for g in steps], amsgrad=amsgrad, **EXACT)
        np.testing.assert_allclose(w, want, rtol=1e-12, atol=1e-14)


def test_adam_with_default_hyperparameters_matches_the_textbook_closely():
    rng = np.random.default_rng(12)
    w0 = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(5)]
    w = w0.copy()
    optimizer = optimizers.Adam()
    for g in grads:
        optimizer.update({"w": w}, {"w": g})
    want = textbook_adam(w0, grads, 0.001, 0.9, 0.999, 1e-7, amsgrad=False)
    # β₁ and β₂ pass through float32 as in Keras: the steps differ from exact decimals by ~1e-7
    np.testing.assert_allclose(w - w0, want - w0, rtol=1e-5)


# -- backprop stops at the lowest weighted layer --------------------------------------------------
def cnn_model():
    """Weighted layer first; fused softmax head; dropout with a fixed mask."""
    return Sequential([
        Conv2D(3, (3, 3), activation="relu", input_shape=(6, 6, 2), dtype="float64"),
        MaxPooling2D((2, 2), dtype="float64"),
        Flatten(dtype="float64"),
        Dense(5, activation="tanh", dtype="float64"),
        Dropout(0.5, dtype="float64"),
        Dense(3, activation="softmax", dtype="float64"),
    ]), "sparse_categorical_crossentropy", (4, 6, 6, 2), 3


def mlp_model():
    """Weightless layers below the lowest weighted one; linear head, unfused MSE."""
    return Sequential([
        MaxPooling2D((2, 2), input_shape=(4, 4, 2), dtype="float64"),
        Flatten(dtype="float64"),
        Dense(6, activation="relu", dtype="float64"),
        Dense(2, dtype="float64"),
    ]), "mse", (5, 4, 4, 2), None


def full_chain_grads(model, x, y):
    """Forward, then the loss gradient through every layer down to the input, by hand."""
    for layer in model.layers:
        layer.compute_dx = True
    out = x
    for layer in model.layers:
        out = layer.forward(out, training=True)
    head, rest = model.layers[-1], model.layers
    if model.loss.fuses_with == getattr(head.activation, "name", None):
        dy = head.backward_linear(model.loss.from_logits(y, head.z)[1])
        rest = model.layers[:-1]
    else:
        dy = model.loss.gradient(y, out)
    for layer in reversed(rest):
        dy = layer.backward(dy)
    assert dy.shape == x.shape  # the chain really reached the input
    return {f"{layer.name}/{key}": g for layer in model.layers for key, g in layer.grads.items()}


@pytest.mark.parametrize("make", [cnn_model, mlp_model])
def test_stopping_backprop_at_the_lowest_weighted_layer_keeps_every_gradient(make):
    utils.set_random_seed(5)
    model, loss, x_shape, classes = make()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss=loss)  # weights stay put
    rng = np.random.default_rng(5)
    x = rng.standard_normal(x_shape)
    y = (rng.integers(0, classes, len(x)) if classes
         else rng.standard_normal((len(x), *model.output_shape)))
    for layer in model.layers:
        if isinstance(layer, Dropout):
            layer.fixed_mask = rng.random((len(x), *layer.input_shape)) >= layer.rate

    model.train_on_batch(x, y)
    weighted = [i for i, layer in enumerate(model.layers) if layer.params]
    assert [layer.compute_dx for layer in model.layers].count(False) == 1
    assert not model.layers[weighted[0]].compute_dx
    fast = {f"{layer.name}/{key}": g.copy()
            for layer in model.layers for key, g in layer.grads.items()}

    full = full_chain_grads(model, x, y)
    assert fast.keys() == full.keys() == model.parameters().keys()
    for key, g in full.items():
        np.testing.assert_allclose(fast[key], g, rtol=1e-12, atol=1e-15, err_msg=key)
