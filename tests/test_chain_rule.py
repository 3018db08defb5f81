"""The chain-rule loop in Sequential and its named shortcuts give the plain chain rule's answer."""

import numpy as np

import tinynet as tn
from tinynet import layers as L
from tinynet import losses


def _model(head, loss="sparse_categorical_crossentropy"):
    m = tn.Sequential([L.Input((5, 3)), *head])
    m.compile(optimizer="sgd", loss=loss)
    return m


def test_fused_logits_equal_the_plain_chain_rule():
    """∂L/∂W through (p − t)/N at the logits equals ∂L/∂p pushed through softmax's backward."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((6, 5, 3)), rng.integers(0, 4, 6)
    m = _model([L.Flatten(dtype="float64"), L.Dense(4, activation="softmax", dtype="float64")])
    m.layers[1].params["bias"][:] = rng.standard_normal(4)
    y_pred = m._forward(x, training=True)
    assert m._fused
    m._loss_and_backward(y, y_pred)
    fused = m.layers[1].grads["kernel"].copy()
    dy = m.loss.gradient(y, y_pred)  # the plain chain rule: ∂L/∂p, then every backward
    for layer in reversed(m.layers[1:]):  # Flatten below needs no dx
        dy = layer.backward(dy)
    np.testing.assert_allclose(fused, m.layers[1].grads["kernel"], rtol=1e-9, atol=1e-14)


def test_a_recurrent_softmax_head_is_not_fused():
    """An RNN's activation acts inside its time loop: no logits to start from, so no shortcut."""
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((8, 5, 3)).astype("f4"), rng.integers(0, 4, 8)
    m = _model([L.SimpleRNN(4, activation="softmax")])
    expected = losses.get("sparse_categorical_crossentropy")(y, m.predict(x, verbose=0))
    assert not m._fused
    np.testing.assert_allclose(m.train_on_batch(x, y), expected, rtol=1e-5)
