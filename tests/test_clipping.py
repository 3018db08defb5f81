"""Gradient clipping (clipnorm, clipvalue, global_clipnorm) by hand, NumPy only."""

import numpy as np
import pytest

from tinynet import optimizers


def grads_of_norms():
    """Two gradients with norms 5 and 13 (3-4-5 and 5-12-13 triangles): joint norm √194."""
    return {"a": np.array([3.0, -4.0]), "b": np.array([[5.0], [-12.0]])}


def one_sgd_step(**clip):
    """The clipped gradient itself: −Δw of one plain SGD step with learning rate 1."""
    params = {"a": np.zeros(2), "b": np.zeros((2, 1))}
    optimizers.SGD(learning_rate=1.0, **clip).update(params, grads_of_norms())
    return {k: -w for k, w in params.items()}


def test_clipnorm_rescales_each_gradient_by_its_own_norm():
    g = one_sgd_step(clipnorm=6.0)
    np.testing.assert_allclose(g["a"], [3.0, -4.0])  # norm 5 ≤ 6: unchanged
    np.testing.assert_allclose(g["b"], np.array([[5.0], [-12.0]]) * 6 / 13)  # norm 13 → 6
    assert np.linalg.norm(g["b"]) == pytest.approx(6.0)


def test_global_clipnorm_rescales_all_gradients_together():
    g = one_sgd_step(global_clipnorm=7.0)
    scale = 7.0 / np.sqrt(194.0)
    np.testing.assert_allclose(g["a"], np.array([3.0, -4.0]) * scale)
    np.testing.assert_allclose(g["b"], np.array([[5.0], [-12.0]]) * scale)
    joint = np.sqrt(sum(np.sum(v**2) for v in g.values()))
    assert joint == pytest.approx(7.0)


def test_global_clipnorm_leaves_small_gradients_alone():
    g = one_sgd_step(global_clipnorm=100.0)
    np.testing.assert_allclose(g["b"], [[5.0], [-12.0]])


def test_clipvalue_clips_each_entry():
    g = one_sgd_step(clipvalue=4.5)
    np.testing.assert_array_equal(g["a"], [3.0, -4.0])
    np.testing.assert_array_equal(g["b"], [[4.5], [-4.5]])


@pytest.mark.parametrize("clip", [{"clipnorm": 1.0}, {"global_clipnorm": 1.0}])
def test_zero_gradients_stay_zero(clip):
    params = {"a": np.ones(3)}
    optimizers.Adam(**clip).update(params, {"a": np.zeros(3)})
    np.testing.assert_array_equal(params["a"], np.ones(3))


def test_clipping_does_not_change_the_layers_gradient_arrays():
    grads = grads_of_norms()
    optimizers.Adam(clipnorm=1.0).update({"a": np.zeros(2), "b": np.zeros((2, 1))}, grads)
    np.testing.assert_array_equal(grads["b"], [[5.0], [-12.0]])


def test_float32_gradients_stay_float32():
    params = {"a": np.zeros(2, dtype=np.float32)}
    opt = optimizers.SGD(clipnorm=0.5)
    clipped = opt.clip_gradients({"a": np.array([3.0, 4.0], dtype=np.float32)})
    assert clipped["a"].dtype == np.float32
    opt.update(params, {"a": np.array([3.0, 4.0], dtype=np.float32)})
    assert params["a"].dtype == np.float32


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_every_optimizer_takes_the_clip_options_and_saves_them(name):
    cls = optimizers.OPTIMIZERS[name]
    for key in ("clipnorm", "clipvalue", "global_clipnorm"):
        opt = cls(**{key: 0.25})
        config = opt.get_config()
        assert config["config"][key] == 0.25
        assert getattr(optimizers.deserialize(config), key) == 0.25
    assert "clipnorm" not in cls().get_config()["config"]


@pytest.mark.parametrize("kwargs, match", [
    ({"clipnorm": 1.0, "clipvalue": 1.0}, "only one of clipnorm, clipvalue and global_clipnorm"),
    ({"clipnorm": 0.0}, "clipnorm must be a finite number > 0"),
    ({"clipvalue": -1}, "clipvalue must be a finite number > 0"),
    ({"global_clipnorm": float("inf")}, "global_clipnorm must be a finite number > 0"),
    ({"global_clipnorm": True}, "global_clipnorm must be"),
])
def test_bad_clip_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Adam(**kwargs)
