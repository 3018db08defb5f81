"""Step 4 of ``check``: train a book listing with the learner's function swapped in.

The listing's model is built twice from the same initial weights and seed: once as the
library has it (the reference), once with the learner's backward patched into its layers (or
its loss). Both train on the same few hundred images, in the same order, and are evaluated on
the same test images; the learner's accuracy must land next to the reference's.
"""

import time
import types

import numpy as np

from tinynet import utils
from tinynet.datasets import FAILURES, mnist
from tinynet.layers import Conv2D, Dense, MaxPooling2D

TRAIN, TEST, EPOCHS = 1024, 512, 1
BUDGET = 90.0  # seconds the learner's run may take (projected) before it is skipped
PROBE = 8  # samples in the timed batch the projection starts from
TOLERANCE = 0.03  # the largest accuracy gap that still passes


def synthetic(n_train, n_test, seed=0):
    """Ten classes of 28×28 images: a fixed random pattern per class, shifted, plus noise; uint8."""
    rng = np.random.default_rng(seed)
    protos = np.kron(rng.random((10, 7, 7)) > 0.5, np.ones((4, 4)))  # blocky 28×28 strokes
    labels = rng.integers(0, 10, n_train + n_test)
    shift = rng.integers(-3, 4, (len(labels), 2))  # each image moved a little, as handwriting is
    images = np.stack([np.roll(protos[k], tuple(s), axis=(0, 1))
                       for k, s in zip(labels, shift, strict=True)])
    images = images * 160 + rng.normal(0, 90, images.shape)
    images = np.clip(images, 0, 255).astype(np.uint8)
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])


def load(data=None):
    """``(train, test, description)``: MNIST from a local copy, else synthetic digits.

    Args:
        data: ``"mnist"`` (fail if there is no local copy), ``"synthetic"``, or ``None`` (MNIST
            when a local copy exists; nothing is downloaded during a check).
    """
    if data != "synthetic":
        for source in mnist.sources():
            if source.fetched:
                continue
            try:
                arrays = source.load()
            except FAILURES:
                continue
            x, y, xt, yt = (arrays[name] for name in mnist.NAMES)
            return (x[:TRAIN], y[:TRAIN]), (xt[:TEST], yt[:TEST]), f"{TRAIN:,} MNIST images"
        if data == "mnist":
            raise FileNotFoundError("no local copy of MNIST: run `tinynet data fetch mnist`.")
    train, test = synthetic(TRAIN, TEST)
    why = "" if data == "synthetic" else " (no local MNIST copy)"
    return train, test, f"{TRAIN:,} synthetic digit-like images{why}"


def build(listing, seed):
    """The listing's compiled model, seeded as ``tinynet run`` seeds it."""
    from tinynet.tools.listings import mnist_cnn, mnist_mlp

    utils.set_random_seed(seed)
    model = {"mnist_mlp": mnist_mlp, "mnist_cnn": mnist_cnn}[listing].build_model()
    model.workers = 1  # whole batches on this thread: the swaps patch these very layers
    return model


def prepare(listing, images):
    """Pixels in [0, 1], shaped as the listing's first layer wants them."""
    x = images / 255.0
    return x.reshape(-1, 28, 28, 1) if listing == "mnist_cnn" else x


def _patch(obj, name, fn):
    setattr(obj, name, types.MethodType(fn, obj))


# -- swaps: each patches the learner's function into a built model ---------------------------
def dense(fn):
    """Every Dense layer's ``dW, db, dx`` from ``fn(x, W, dz) -> (dx, dW, db)``."""
    def swap(model):
        def backward_linear(self, dz):
            dx, dW, db = fn(self.x, self.params["kernel"], dz)
            self.grads["kernel"] = np.asarray(dW, dtype=self.dtype)
            self.grads["bias"] = np.asarray(db, dtype=self.dtype)
            return np.asarray(dx, dtype=self.dtype)
        for layer in model.layers:
            if isinstance(layer, Dense):
                _patch(layer, "backward_linear", backward_linear)
    return swap


def relu(fn):
    """Every ReLU's ``dz`` from ``fn(dy, z)``, with ``z`` the layer's pre-activation."""
    def swap(model):
        for layer in model.layers:
            act = getattr(layer, "activation", None)
            if act is not None and act.name == "relu":
                act.backward = lambda dy, y, layer=layer: np.asarray(fn(dy, layer.z), y.dtype)
    return swap


def softmax_ce(fn):
    """The fused loss's ``dz`` from ``fn(t, z)``, ``t`` one-hot; the loss value is the library's."""
    def swap(model):
        loss = model.loss
        library = loss.from_logits

        def from_logits(self, y_true, z):
            value, _ = library(y_true, z)
            t = np.eye(z.shape[-1], dtype=z.dtype)[np.asarray(y_true).reshape(-1).astype(int)]
            return value, np.asarray(fn(t, z), dtype=z.dtype)
        _patch(loss, "from_logits", from_logits)
    return swap


def conv2d(fn):
    """Every Conv2D's ``dx, dkernel, dbias`` from ``fn(x, kernel, dz, strides, padding)``."""
    def swap(model):
        for layer in model.layers:
            if isinstance(layer, Conv2D):
                forward = layer.forward

                def remember(self, x, training=False, forward=forward):
                    self.x_in = np.asarray(x, dtype=self.dtype)
                    return forward(x, training=training)

                def backward_linear(self, dz):
                    dz = np.asarray(dz).reshape(len(self.x_in), *self.output_shape)
                    dx, dk, db = fn(self.x_in, self.params["kernel"], dz, self.strides,
                                    self.padding)
                    self.grads["kernel"] = np.asarray(dk, dtype=self.dtype)
                    self.grads["bias"] = np.asarray(db, dtype=self.dtype)
                    return np.asarray(dx, dtype=self.dtype)
                _patch(layer, "forward", remember)
                _patch(layer, "backward_linear", backward_linear)
    return swap


def max_pool2d(fn):
    """Every MaxPooling2D's ``dx`` from ``fn(x, dy, pool_size, strides, padding)``."""
    def swap(model):
        for layer in model.layers:
            if isinstance(layer, MaxPooling2D):
                forward = layer.forward

                def remember(self, x, training=False, forward=forward):
                    self.x_in = np.asarray(x, dtype=self.dtype)
                    return forward(x, training=training)

                def backward(self, dy):
                    dx = fn(self.x_in, dy, self.pool_size, self.strides, self.padding)
                    return np.asarray(dx, dtype=self.dtype)
                _patch(layer, "forward", remember)
                _patch(layer, "backward", backward)
    return swap


# -- the run -----------------------------------------------------------------------------------
def _fit(model, data, listing, seed):
    (x, y), (xt, yt), _ = data
    utils.set_random_seed(seed)  # the same shuffles and dropout masks for both runs
    history = model.fit(prepare(listing, x), y, epochs=EPOCHS, verbose=0)
    loss, accuracy = model.evaluate(prepare(listing, xt), yt, verbose=0)
    return {"loss": history.history["loss"][-1], "accuracy": float(accuracy)}


def train(listing, swap, data, seed=0):
    """Train ``listing`` as the library has it and with ``swap`` applied; compare.

    Returns a dict with ``reference`` and ``learner`` (each ``{"loss", "accuracy"}``), or with
    ``skipped`` (a reason) when the learner's code is too slow for the budget.
    """
    reference = build(listing, seed)
    initial = reference.get_weights()
    learner = build(listing, seed)
    learner.set_weights(initial)
    swap(learner)
    (x, y), _, _ = data
    probe = build(listing, seed)  # a small batch through the learner's code, timed
    probe.set_weights(initial)
    swap(probe)
    start = time.perf_counter()
    probe.train_on_batch(prepare(listing, x[:PROBE]), y[:PROBE])
    took = time.perf_counter() - start
    projected = took * len(x) / PROBE * EPOCHS
    if projected > BUDGET:
        return {"skipped": f"your code would take about {projected:.0f} s for this run (a "
                           f"batch of {PROBE} took {took:.2f} s); vectorize it (see `tinynet "
                           "exercise solution` for the library's fast form) to run it"}
    result = {"reference": _fit(reference, data, listing, seed)}
    start = time.perf_counter()
    result["learner"] = _fit(learner, data, listing, seed)
    result["seconds"] = time.perf_counter() - start
    return result
