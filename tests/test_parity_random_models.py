"""Random Sequential stacks equal their Keras twins: outputs, losses, gradients and three steps."""

import numpy as np
import pytest
from hypothesis import Phase, assume, given, note, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import tinynet
from tinynet import initializers, optimizers
from tinynet import layers as tl

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu",
               "softplus", "silu", "hard_sigmoid", "softmax"]  # softmax last: see _activations
# where an activation's slope jumps (elu's does not: its slopes meet at 1)
KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "selu": (0.0,), "hard_sigmoid": (-3.0, 3.0)}
REGULARIZERS = [None, None, None, {"class_name": "L2", "config": {"l2": 0.01}},
                {"class_name": "L1", "config": {"l1": 0.01}},
                {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}}]
LOSSES = ["categorical_crossentropy", "sparse_categorical_crossentropy",
          "binary_crossentropy", "mean_squared_error"]
HEADS = {"categorical_crossentropy": "softmax", "sparse_categorical_crossentropy": "softmax",
         "binary_crossentropy": "sigmoid", "mean_squared_error": "linear"}
EPS32 = float(np.finfo(np.float32).eps)
# A ReLU input or a max-pool runner-up closer than this (relative to its layer's largest value)
# to the kink or to the winner may fall on the other side in Keras: float32 sums in another
# order differ by a few EPS32 of that scale. Such examples are rejected, not compared: their
# gradients legitimately differ, and exact zeros and exact ties (which both frameworks break
# the same way) are kept.
AMBIGUOUS = 1e-5


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


# -- the strategy: a plain description of a stack, so hypothesis prints it on failure -----------
@st.composite
def _image_layers(draw, shape):
    """Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization, Activation, Dropout(0) and
    Dense on images: (layers, out shape)."""
    layers = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["Conv2D", "Conv2D", "MaxPooling2D", "AveragePooling2D",
                                     "BatchNormalization", "Activation", "Dropout", "Dense"]))
        h, w, c = shape
        if kind in ("Conv2D", "MaxPooling2D", "AveragePooling2D"):
            most = 5 if kind == "Conv2D" else 3
            window = (draw(st.integers(1, most)), draw(st.integers(1, most)))
            padding = draw(st.sampled_from(["valid", "same"]))
            if window[0] > h or window[1] > w:
                padding = "same"  # 'valid' needs the window to fit
            if kind == "Conv2D":
                strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
                filters = draw(st.integers(1, 4))
                act = draw(_activations(filters))
                layers.append(("Conv2D", {"filters": filters, "kernel_size": window,
                                          "strides": strides, "padding": padding,
                                          "activation": act, "use_bias": draw(st.booleans()),
                                          **draw(_weighted_options())}))
            else:
                strides = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3),
                                                              st.integers(1, 3))))
                layers.append((kind, {"pool_size": window, "strides": strides,
                                      "padding": padding}))
                filters, strides = c, strides or window
            if padding == "same":
                h, w = -(-h // strides[0]), -(-w // strides[1])
            else:
                h, w = (h - window[0]) // strides[0] + 1, (w - window[1]) // strides[1] + 1
            shape = (h, w, filters)
        elif kind == "Dense":  # acts on the channel axis, like a 1×1 convolution
            units = draw(st.integers(1, 4))
            layers.append(("Dense", {"units": units, "activation": draw(_activations(units)),
                                     **draw(_weighted_options())}))
            shape = (h, w, units)
        elif kind == "BatchNormalization":
            layers.append(draw(_batch_normalization(_trains_weights(layers))))
        else:
            layers.append(_simple(draw, kind, c))
    return layers, shape


def _activations(units):
    """Any activation; softmax only over more than one unit (over one it is the constant 1,
    whose gradient is 0 in exact arithmetic and rounding noise in float32)."""
    return st.sampled_from(ACTIVATIONS if units > 1 else ACTIVATIONS[:-1])


@st.composite
def _weighted_options(draw):
    """A weighted layer's extras, mostly none: regularizers, and now and then frozen."""
    options = {key: r for key in ("kernel_regularizer", "bias_regularizer")
               if (r := draw(st.sampled_from(REGULARIZERS))) is not None}
    return options | ({"trainable": False} if draw(st.integers(0, 5)) == 0 else {})


def _trains_weights(layers):
    """Whether any layer of ``layers`` has weights the optimizer trains."""
    return any(kwargs.get("trainable", True) and (
        kind in ("Conv2D", "Dense", *RECURRENT) or kind == "BatchNormalization"
        and (kwargs["center"] or kwargs["scale"])) for kind, kwargs in layers)


@st.composite
def _batch_normalization(draw, weights_below):
    """A BN; in training mode only where no trained weight lies below it. Training-mode BN
    removes every per-channel shift coming from below, so the gradient of a bias beneath it
    (through linear layers, or a ReLU whose inputs are all positive) is exactly 0: both
    frameworks return float32 rounding noise, which adaptive optimizers turn into full steps.
    tests/test_batchnorm_parity.py covers Conv → BN and Dense → BN in float64 instead."""
    frozen = weights_below or draw(st.integers(0, 4)) == 0
    # epsilon stays ≥ 1e-3 in these float32 stacks: 1/√(σ² + ε) multiplies rounding noise
    return ("BatchNormalization", {"momentum": draw(st.sampled_from([0.99, 0.9, 0.5])),
                                   "epsilon": draw(st.sampled_from([1e-3, 0.1])),
                                   "center": draw(st.booleans()), "scale": draw(st.booleans()),
                                   **({"trainable": False} if frozen else {})})


def _simple(draw, kind, units):
    if kind == "Activation":
        return ("Activation", {"activation": draw(_activations(units))})
    return ("Dropout", {"rate": 0.0})  # rate 0: the two frameworks' random masks would differ


# Keras hands an Embedding's gradient to the optimizer as one row per occurrence of an id; its
# Adam, RMSprop, Adagrad, Adadelta and clipnorm square those rows before adding repeats. tinynet
# adds repeats first (the dense gradient), so the batches give every id at most once.
VOCAB = 64  # at least the largest batch (8) times the longest sequence (6)
RECURRENT = ("Embedding", "SimpleRNN", "LSTM", "GRU")  # weighted, for _trains_weights


@st.composite
def _sequence_layers(draw):
    """Sequences (T, D), or ids (T,) through an Embedding, then one or two of SimpleRNN, LSTM
    and GRU, the last returning its final state: (input shape, layers, units). Activations stay
    smooth (ambiguity() tracks no kink inside a recurrence) and never linear: a linear RNN's
    bias shifts every sample alike, so a training-mode BatchNormalization above would zero it."""
    steps, layers = draw(st.integers(1, 6)), []
    if draw(st.booleans()):
        shape = (steps,)
        layers.append(("Embedding", {"input_dim": VOCAB, "output_dim": draw(st.integers(1, 4))}))
    else:
        shape = (steps, draw(st.integers(1, 4)))
    count = draw(st.integers(1, 2))
    for i in range(count):
        kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
        units = draw(st.integers(1, 4))
        kwargs = {"units": units, "activation": draw(st.sampled_from(["tanh", "sigmoid"])),
                  "use_bias": draw(st.booleans()), "go_backwards": draw(st.booleans()),
                  "return_sequences": i < count - 1}
        if kind != "SimpleRNN":
            kwargs["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "tanh"]))
        if kind == "GRU":
            kwargs["reset_after"] = draw(st.booleans())
        layers.append((kind, kwargs))
    return shape, layers, units


@st.composite
def stacks(draw):
    """``(input_shape, layers, loss)``: a random stack ending in a head that suits ``loss``."""
    layers = []
    if draw(st.integers(0, 3)) == 0:  # a quarter of the stacks read sequences
        shape, layers, units = draw(_sequence_layers())
    elif draw(st.booleans()):
        shape = (draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 3)))
        layers, out = draw(_image_layers(shape))
        if draw(st.booleans()):
            layers.append(("Flatten", {}))
            units = int(np.prod(out))
        else:
            layers.append(("GlobalAveragePooling2D", {}))
            units = out[-1]
    else:
        shape = (draw(st.integers(1, 10)),)
        units = shape[0]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["Dense", "Dense", "Activation", "Dropout",
                                     "BatchNormalization"]))
        if kind == "Dense":
            units = draw(st.integers(1, 8))
            layers.append(("Dense", {"units": units, "activation": draw(_activations(units)),
                                     **draw(_weighted_options())}))
        elif kind == "BatchNormalization":
            layers.append(draw(_batch_normalization(_trains_weights(layers))))
        else:
            layers.append(_simple(draw, kind, units))
    loss = draw(st.sampled_from(LOSSES))
    head = HEADS[loss]
    units = draw(st.integers(2 if head == "softmax" else 1, 5))  # a softmax over 1 unit is 1
    if draw(st.booleans()):  # the head's activation inside Dense, or as its own layer
        layers.append(("Dense", {"units": units, "activation": head}))
    else:
        layers += [("Dense", {"units": units}), ("Activation", {"activation": head})]
    return shape, layers, loss


@st.composite
def optimizer_configs(draw):
    """``{"class_name", "config"}`` for any of the five optimizers, with random options."""
    name = draw(st.sampled_from(["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam"]))
    # Decay rates stay in the range people use. Near 0, centered RMSprop divides by
    # sqrt(v − ḡ² + ε) with v ≈ ḡ²: a difference of two nearly equal float32 numbers, so the
    # last-bit differences of the gradients become O(1) differences of the step, in exact
    # agreement with the rule in both frameworks.
    unit = st.floats(0.5, 0.99)
    eps = st.sampled_from([1e-7, 1e-5, 1e-3])
    config = {"learning_rate": draw(st.sampled_from([1e-3, 0.01, 0.1, 0.5]))}
    if name == "SGD":
        config |= {"momentum": draw(st.sampled_from([0.0, 0.9]) | unit),
                   "nesterov": draw(st.booleans())}
    elif name == "RMSprop":
        config |= {"rho": draw(unit), "momentum": draw(st.sampled_from([0.0, 0.9]) | unit),
                   "epsilon": draw(eps), "centered": draw(st.booleans())}
    elif name == "Adagrad":
        config |= {"initial_accumulator_value": draw(st.sampled_from([0.0, 0.1, 1.0])),
                   "epsilon": draw(eps)}
    elif name == "Adadelta":
        config |= {"rho": draw(unit), "epsilon": draw(eps)}
    else:
        config |= {"beta_1": draw(unit), "beta_2": draw(st.floats(0.9, 0.9999)),
                   "epsilon": draw(eps), "amsgrad": draw(st.booleans())}
    clip = draw(st.sampled_from([None, None, "clipnorm", "global_clipnorm", "clipvalue"]))
    if clip is not None:
        config[clip] = draw(st.sampled_from([0.01, 0.1, 1.0]))
    return {"class_name": name, "config": config}


# -- building a case -----------------------------------------------------------------------
def build(shape, layers, loss, optimizer="sgd", seed=0):
    """The tinynet model, compiled, with every weight drawn from ``seed`` (biases nonzero)."""
    tinynet.utils.clear_session()
    tinynet.utils.set_random_seed(seed)
    model = tinynet.Sequential([tl.Input(shape)] + [getattr(tl, kind)(**kwargs)
                                                    for kind, kwargs in layers])
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for key, w in layer.params.items():
            if key == "kernel":  # Glorot's range, so activations stay O(1) through the stack
                limit = np.sqrt(6 / sum(initializers.compute_fans(w.shape)))
                w[...] = rng.uniform(-limit, limit, w.shape)
            else:
                w[...] = rng.normal(0, 0.5, w.shape)
        for key, w in layer.state.items():  # BN's moving statistics, away from 0 and 1
            w[...] = rng.uniform(0.5, 2.0, w.shape) if key == "moving_variance" else rng.normal(
                0, 0.5, w.shape)
    model.compile(optimizer=optimizers.get(optimizer), loss=loss)
    return model


def batch(model, loss, size, rng):
    """Inputs ~ N(0, 1) and targets in the form ``loss`` takes (labels for the sparse one)."""
    x = rng.normal(size=(size, *model.input_shape)).astype(np.float32)
    if isinstance(model.layers[0], tl.Embedding):  # ids, each at most once (see VOCAB)
        x = rng.permutation(VOCAB)[:x.size].reshape(x.shape)
    classes = model.output_shape[-1]
    if loss == "sparse_categorical_crossentropy":
        return x, rng.integers(0, classes, size)
    if loss == "categorical_crossentropy":
        if rng.random() < 0.5:  # soft targets (rows sum to 1) half the time
            return x, rng.dirichlet(np.ones(classes), size).astype(np.float32)
        return x, np.eye(classes, dtype=np.float32)[rng.integers(0, classes, size)]
    if loss == "binary_crossentropy":
        t = rng.random((size, classes))
        return x, (t if rng.random() < 0.5 else np.round(t)).astype(np.float32)
    return x, rng.normal(size=(size, classes)).astype(np.float32)


def ambiguity(model, x):
    """The smallest nonzero gap, relative to its layer's scale, of an activation's input to a
    kink (ReLU's 0, hard_sigmoid's ±3) or of a max-pool winner to its runner-up; ``inf`` if
    there is none. The training-mode pass leaves BN's moving statistics as they were."""
    saved = model.get_weights()
    try:
        return _ambiguity(model, x)
    finally:
        model.set_weights(saved)


def _ambiguity(model, x):
    gaps = [np.inf]
    for layer in model.layers:
        if isinstance(layer, tl.MaxPooling2D):
            xp = x
            if layer.padding == "same":
                xp = np.pad(x, [(0, 0), *layer.pads, (0, 0)], constant_values=-np.inf)
            windows = sliding_window_view(xp, layer.pool_size, axis=(1, 2))
            windows = windows[:, ::layer.strides[0], ::layer.strides[1]]
            top = np.sort(windows.reshape(*windows.shape[:4], -1), axis=-1)
            if top.shape[-1] > 1:
                gap = (top[..., -1] - top[..., -2])[np.isfinite(top[..., -2])]
                gaps.append(_smallest_nonzero(gap, x))
        x = layer.forward(x, training=True)
        kinks = KINKS.get(getattr(getattr(layer, "activation", None), "name", None), ())
        for kink in kinks:
            gaps.append(_smallest_nonzero(np.abs(layer.z - kink), layer.z))
    return min(gaps)


def _smallest_nonzero(gaps, values):
    scale = np.max(np.abs(values[np.isfinite(values)]), initial=0.0)
    nonzero = gaps[gaps > 0]
    return float(nonzero.min() / scale) if nonzero.size and scale > 0 else np.inf


def keras_loss_and_grads(tf, km, x, y):
    """Keras's training loss (the compiled loss, as ``train_step`` computes it) and gradients."""
    saved = [v.numpy() for v in km.non_trainable_variables]  # BN's moving statistics
    with tf.GradientTape() as tape:
        y_pred = km(x, training=True)
        loss = km.compute_loss(x, y, y_pred)
    grads = [tf.convert_to_tensor(g).numpy()  # an Embedding's is IndexedSlices
             for g in tape.gradient(loss, km.trainable_variables)]
    for v, value in zip(km.non_trainable_variables, saved, strict=True):
        v.assign(value)  # as before the call: train_on_batch's own step updates them next
    return float(loss), grads


def weight_names(model):
    return [f"{layer.name}/{key}" for layer in model.layers for key in layer.weights]


def scaled_atol(reference, ulps):
    """An absolute tolerance of ``ulps`` float32 roundings of ``reference``'s largest entry."""
    return ulps * EPS32 * max(float(np.max(np.abs(reference), initial=0.0)), 1e-30)


# -- the property ------------------------------------------------------------------------
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])  # explain: slow
@given(stack=stacks(), opt=optimizer_configs(), size=st.integers(1, 8),
       seed=st.integers(0, 2**32 - 1))
def test_random_stack_matches_keras(tf, keras, stack, opt, size, seed):
    from tinynet.tools.interop import to_keras

    keras.utils.clear_session()
    model = build(*stack, optimizer=opt, seed=seed)
    km = to_keras(model)
    km.run_eagerly = True  # no tf.function trace per model: 10x faster, the same train_step
    rng = np.random.default_rng(seed)
    batches = [batch(model, stack[2], size, rng) for _ in range(3)]
    names = weight_names(model)
    note(f"weights: {names}")

    # Every check compares float32 results summed in a different order (BLAS vs Eigen, im2col
    # vs TF's convolution, another reduction tree). Such a sum of n terms can differ by about
    # n·EPS32 of its largest term; n ≤ ~600 here. So: 1e-4 relative, with an absolute floor
    # of 256 EPS32 of the array's largest entry. Measured over 800 examples: outputs within
    # 9 EPS32 of that scale, gradients within 50 at the 99th percentile. A real bug (a wrong
    # index, transpose, tie rule or padding side) moves entries by O(1) of that scale.
    x, y = batches[0]
    assume(ambiguity(model, x) > AMBIGUOUS)
    out = model(x)
    k_out = km(x, training=False).numpy()
    np.testing.assert_allclose(out, k_out, rtol=1e-4, atol=scaled_atol(k_out, 256),
                               err_msg="forward outputs")

    k_loss, k_grads = keras_loss_and_grads(tf, km, x, y)
    loss = model.train_on_batch(x, y)  # the first step; layer.grads hold its gradients
    assert loss == pytest.approx(k_loss, rel=1e-4, abs=256 * EPS32), "loss value"
    trainable = [layer for layer in model.layers if layer.trainable]
    assert sum(len(layer.grads) for layer in trainable) == len(k_grads) == len(
        model.parameters())
    noise = max((scaled_atol(kg, 256) for kg in k_grads), default=0.0)  # the model's rounding
    k_grads = iter(k_grads)
    for layer in trainable:
        # The scale is the layer's largest gradient, kernel and bias together: db = Σ dz can
        # cancel to far below its terms (seen: 2e-7 from terms of 1e-3), and dW = xᵀ·dz with
        # x = O(1) shows the size of those terms.
        theirs = {key: next(k_grads) for key in layer.grads}
        if isinstance(layer, tl.BatchNormalization):
            # A BN's dγ, dβ can be exactly 0 in truth: x̂ sums to 0, so when what follows
            # averages exactly BN's N values (GlobalAveragePooling2D of one sample), nothing
            # depends on γ. Both sides then return rounding noise, which Adam turns into
            # full-size steps; such examples are rejected, as ambiguous kinks are.
            for key, g in layer.grads.items():
                either = np.maximum(np.abs(g), np.abs(theirs[key]))
                assume(not np.any((either > 0) & (either <= noise)))
        atol = max((scaled_atol(kg, 256) for kg in theirs.values()), default=0.0)
        for key, g in layer.grads.items():
            np.testing.assert_allclose(g, theirs[key], rtol=1e-4, atol=atol,
                                       err_msg=f"gradient of {layer.name}/{key}")

    # Three steps of the optimizer, each side through its own train_on_batch
    k_losses = [float(km.train_on_batch(x, y))]
    for step, (x, y) in enumerate(batches[1:], start=2):
        assume(ambiguity(model, x) > AMBIGUOUS)
        k_losses.append(float(km.train_on_batch(x, y)))
        loss = model.train_on_batch(x, y)
        assert loss == pytest.approx(k_losses[-1], rel=1e-4, abs=256 * EPS32), f"loss, step {step}"
    for name, w, kw in zip(names, model.get_weights(), km.get_weights(), strict=True):
        # After three steps the rounding differences above have gone through the update rule
        # once per step; adaptive rules divide by sqrt(v), so compare to the step's own size.
        np.testing.assert_allclose(w, kw, rtol=1e-4, atol=1e-6 + 1e-4 * opt["config"]
                                   ["learning_rate"], err_msg=f"{name} after 3 steps")
    assert model.optimizer.iterations == int(km.optimizer.iterations.numpy()) == 3
