"""``tinynet compare --lockstep``: both frameworks on the same batches, step by step.

A normal ``compare`` lets each framework shuffle with its own RNG and draw its own dropout
masks, so the MNIST curves agree closely but not step for step. In lockstep, both sides get:

- the same initial weights (the reference script's ``build_model()``, seeded, copied over);
- the same batch order: one permutation per epoch from ``numpy.random.default_rng(seed)``,
  batches of 32 as ``fit`` uses, the last one partial;
- the same dropout masks, drawn from that generator as ``u ≥ rate`` (TensorFlow's rule).

Each framework then takes its own real training step: Keras's ``train_on_batch`` (its traced
train step, its loss, its Adam) and tinynet's ``train_on_batch``. The one change on the Keras
side is ``GivenMaskDropout``, a test-only Dropout that takes its keep-mask from outside and
otherwise computes what TensorFlow's dropout computes: ``where(keep, x · scale, 0)`` with
``scale = float32(1 / (1 − rate))``. tinynet's Dropout takes the same mask as ``fixed_mask``.
"""

import numpy as np
from threadpoolctl import threadpool_limits

from tinynet.tools import listings
from tinynet.tools.harness import quiet
from tinynet.tools.harness.figures import relative_difference

BATCH_SIZE = 32
QUICK_TRAIN = 2000  # `--quick` trains on the first 2,000 images, as the listings do
LOCKSTEP = ("xor", "mnist_mlp", "mnist_cnn")  # the listings that train one model with fit


def training_data(name, quick):
    """The listing's training arrays, prepared as its script prepares them."""
    if name == "xor":
        return listings.xor.x, listings.xor.y
    from tinynet.datasets.mnist import load_data

    (images, labels), _ = load_data()
    if quick:
        images, labels = images[:QUICK_TRAIN], labels[:QUICK_TRAIN]
    shape = (28, 28, 1) if name == "mnist_cnn" else (28, 28)
    return images.reshape((-1, *shape)) / 255.0, labels


def given_mask_dropout(keras):
    """The class ``GivenMaskDropout``: ``keras.layers.Dropout`` with an injected mask."""

    class GivenMaskDropout(keras.layers.Dropout):
        """Test-only: Keras's Dropout whose keep-mask is set from outside before each step."""

        def build(self, input_shape):
            self.keep = self.add_weight(shape=(BATCH_SIZE, *input_shape[1:]), name="keep",
                                        initializer="ones", trainable=False)
            self.built = True

        def set_mask(self, keep):
            padded = np.ones(self.keep.shape, dtype="float32")
            padded[:len(keep)] = keep
            self.keep.assign(padded)

        def call(self, inputs, training=False):
            if not training:
                return inputs
            keep = self.keep[:keras.ops.shape(inputs)[0]]
            scale = keras.ops.convert_to_tensor(1 / (1 - self.rate), dtype=inputs.dtype)
            return keras.ops.where(keep > 0, inputs * scale, keras.ops.zeros_like(inputs))

    return GivenMaskDropout


def keras_model(name, seed):
    """The reference's model for ``seed``, with its Dropout layers taking given masks."""
    keras = quiet.import_keras()
    reference = listings.load_reference(listings.LISTINGS[name].script)
    keras.utils.set_random_seed(seed)
    with quiet.keras_warnings_filtered():
        model = reference.build_model()
    if not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers):
        return model
    masked = given_mask_dropout(keras)
    layers = [masked(layer.rate) if isinstance(layer, keras.layers.Dropout) else layer
              for layer in model.layers]
    swapped = keras.Sequential([keras.Input(model.input_shape[1:]), *layers])
    swapped.compile_from_config(model.get_compile_config())  # the book's compile() arguments
    return swapped


def run_lockstep(name, seed=0, quick=False, epochs=None, progress=None):
    """Train ``name`` in both frameworks in lockstep; the per-step losses and their gap.

    Returns:
        ``{"losses": {"tinynet": [...], "keras": [...]}, "steps", "max_relative_difference",
        "at_step", "weights_relative_difference"}``.
    """
    listing = listings.LISTINGS[name]
    epochs = listings.epochs_of(name, "keras", epochs, quick)
    x, y = training_data(name, quick)
    theirs = keras_model(name, seed)
    mine = listing.twin.build_model()
    mine.set_weights(trained_weights(theirs))
    # Whole batches on one BLAS thread: a summation order that does not depend on the core
    # count. OpenBLAS's two threads split the sums otherwise, which on the quick MLP run flipped
    # one ReLU at step 267 and left a 3.6e-3 gap where one thread stays at 1.5e-6.
    mine.workers = 1
    drop_mine = [layer for layer in mine.layers if type(layer).__name__ == "Dropout"]
    drop_theirs = [layer for layer in theirs.layers if hasattr(layer, "set_mask")]

    rng = np.random.default_rng(seed)
    steps = -(-len(x) // BATCH_SIZE)
    bar = progress.bar(f"lockstep {name}", epochs) if progress else None
    if bar:
        bar.set_steps(steps)
    losses = {"tinynet": [], "keras": []}
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for step in range(steps):
                idx = order[step * BATCH_SIZE:(step + 1) * BATCH_SIZE]
                for a, b in zip(drop_mine, drop_theirs, strict=True):
                    keep = rng.random((len(idx), *a.input_shape), dtype=np.float32) >= a.rate
                    a.fixed_mask = keep
                    b.set_mask(keep)
                with quiet.keras_warnings_filtered():
                    losses["keras"].append(theirs.train_on_batch(x[idx], y[idx],
                                                                 return_dict=True)["loss"])
                logs = mine.train_on_batch(x[idx], y[idx])
                losses["tinynet"].append(float(logs[0] if isinstance(logs, list) else logs))
                if bar:
                    bar.step(step)
            if bar:
                bar.end_epoch()
    if bar:
        bar.close()
    rel = relative_difference(losses["tinynet"], losses["keras"])
    worst = int(np.argmax(rel))
    fan_in = longest_sum(mine)
    outside = np.nonzero(rel > envelope(len(rel), fan_in))[0]
    return {"losses": losses, "steps": len(rel), "epochs": epochs,
            "max_relative_difference": float(rel[worst]), "at_step": worst + 1,
            "fan_in": fan_in,
            "left_envelope_at": int(outside[0]) + 1 if len(outside) else None,
            "weights_relative_difference": weights_gap(mine.get_weights(),
                                                       trained_weights(theirs))}


def longest_sum(model):
    """K, the longest dot product in the forward pass: the largest fan-in of a weighted layer."""
    return max(int(np.prod(w.shape[:-1])) for w in model.get_weights() if w.ndim > 1)


def envelope(steps, fan_in):
    """The float32 growth envelope of the relative loss gap after each step: t·√K·u.

    Summing K products in two different orders differs by about √K·u relative (u = 2⁻²⁴,
    float32's unit roundoff; rounding errors add like a random walk), and each Adam step
    carries the previous steps' difference forward, so after t steps the gap stays below
    t·√K·u while the two runs stay on the same side of every ReLU kink and max-pool tie.
    A max-pool window whose values are equal in exact arithmetic (flat MNIST regions) can
    be broken one way by Keras's summation order and the other way by tinynet's; the
    gradient then goes to another pixel, and Adam, which divides by ``sqrt(v)``, turns that
    discrete difference into a full-size step for weights with small gradients. From there
    the gap grows chaotically, past the envelope.
    """
    return np.arange(1, steps + 1) * np.sqrt(fan_in) * 2.0 ** -24


def trained_weights(model):
    """A Keras model's trainable weights as arrays, in layer order (not the masks)."""
    return [np.asarray(v.numpy()) for v in model.trainable_weights]


def weights_gap(mine, theirs):
    """The largest ``max|a − b| / max|b|`` over the weight arrays."""
    return float(max(np.abs(np.asarray(a, float) - np.asarray(b, float)).max()
                     / max(np.abs(np.asarray(b, float)).max(), np.finfo(float).tiny)
                     for a, b in zip(mine, theirs, strict=True)))
