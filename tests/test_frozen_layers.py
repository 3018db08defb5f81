"""layer.trainable = False without TensorFlow: the optimizer skips the layer, gradients still
flow through it, the summary counts it as non-trainable, and save/load keep the flag."""

import numpy as np
import pytest

import tinynet
from tinynet import layers as tl


def mlp(frozen=()):
    tinynet.utils.clear_session()
    tinynet.utils.set_random_seed(0)
    model = tinynet.Sequential([tl.Input((4,)), tl.Dense(5, "relu"), tl.Dense(3, "tanh"),
                                tl.Dense(2, "softmax")])
    for i in frozen:
        model.layers[i].trainable = False
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 4)).astype(np.float32), rng.integers(0, 2, 8)


def test_the_optimizer_leaves_a_frozen_layer_alone_and_trains_the_layers_below_it():
    model = mlp(frozen=[1])
    before = [layer.get_weights() for layer in model.layers]
    x, y = data()
    for _ in range(3):
        model.train_on_batch(x, y)
    for w, w0 in zip(model.layers[1].get_weights(), before[1], strict=True):
        np.testing.assert_array_equal(w, w0)
    for i in (0, 2):  # the gradient reached the layer below the frozen one
        assert not np.array_equal(model.layers[i].get_weights()[0], before[i][0])
    assert sorted(model.parameters()) == ["dense/bias", "dense/kernel", "dense_2/bias",
                                          "dense_2/kernel"]
    assert not any(key.startswith("dense_1/") for key in model.optimizer.slots)


def test_unfreezing_takes_effect_at_the_next_step():
    model = mlp(frozen=[0])
    x, y = data()
    model.train_on_batch(x, y)
    kernel = model.layers[0].get_weights()[0]
    model.layers[0].trainable = True
    model.train_on_batch(x, y)
    assert not np.array_equal(model.layers[0].get_weights()[0], kernel)


def summary_counts(model):
    lines = []
    model.summary(print_fn=lines.append)
    return [int(line.split(":")[1].replace(",", "")) for line in lines if "params:" in line]


def test_summary_counts_a_frozen_layer_as_non_trainable():
    assert summary_counts(mlp()) == [51, 51, 0]
    assert summary_counts(mlp(frozen=[0, 2])) == [51, 18, 33]  # 4·5 + 5 and 3·2 + 2 frozen


def test_the_flag_is_in_the_config_only_when_frozen_and_survives_save_and_load(tmp_path):
    model = mlp(frozen=[1])
    assert "trainable" not in model.layers[0].get_config()
    assert model.layers[1].get_config()["trainable"] is False
    x, y = data()
    model.train_on_batch(x, y)
    model.save(tmp_path / "frozen.npz")
    again = tinynet.models.load_model(tmp_path / "frozen.npz")
    assert [layer.trainable for layer in again.layers] == [True, False, True]
    assert again.train_on_batch(x, y) == pytest.approx(model.train_on_batch(x, y), rel=1e-7)
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
