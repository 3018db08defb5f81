"""Step 3 of ``check``: the learner's gradients against ``tf.GradientTape`` on the Keras layer.

Every Keras object is built in float64 with the case's weights copied in, so the two sides
differ only by rounding. TensorFlow is imported when step 3 runs, never before.
"""

import numpy as np


def tf_keras():
    """``(tensorflow, keras)``, imported now (the slow part of step 3)."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    return tf, keras


def learner_side(fns, case, rng):
    """Run the learner's forward and backward on ``case`` with a random ``G = ∂L/∂y``.

    Returns the probe, ``G`` and ``{name: gradient}`` (``"x"`` and each parameter).
    """
    probe = case.make(fns)
    y = probe.forward(case.x.copy())
    G = rng.standard_normal(np.shape(y))
    dx = probe.backward(G)
    return probe, G, {"x": dx, **probe.grads}


def tape(loss, inputs, variables=()):
    """Gradients of the scalar ``loss(*inputs)`` w.r.t. ``inputs`` (arrays) and ``variables``.

    Args:
        loss: builds the scalar from the inputs as float64 tensors.
        inputs: NumPy arrays, watched as constants.
        variables: Keras or TF variables the loss reads (a layer's weights).
    """
    tf, _ = tf_keras()
    tensors = [tf.constant(np.asarray(a, dtype=np.float64)) for a in inputs]
    with tf.GradientTape() as t:
        for tensor in tensors:
            t.watch(tensor)
        value = loss(*tensors)
    grads = t.gradient(value, [*tensors, *variables])
    return [None if g is None else np.asarray(g) for g in grads]


def layer_pairs(fns, case, rng, layer, weights, names):
    """``{name: (learner's, Keras's)}`` for a Keras ``layer`` given the case's ``weights``.

    Args:
        layer: a float64 Keras layer, not yet built.
        weights: arrays for ``layer.set_weights``, in Keras's order.
        names: the learner's names of ``x`` and of each weight, in that order.
    """
    probe, G, ours = learner_side(fns, case, rng)
    layer.build(case.x.shape)
    if weights:
        layer.set_weights(weights)
    keras_grads = tape(lambda x: _sum(layer(x), G), [case.x], layer.trainable_weights)
    return {name: (ours[name], g) for name, g in zip(names, keras_grads, strict=True)}


def _sum(y, G):
    """``Σ y ⊙ G`` as a TF scalar: the loss whose ``∂L/∂y`` is ``G``."""
    tf, _ = tf_keras()
    return tf.reduce_sum(y * tf.constant(G))
