"""Optimizers: step-for-step parity with Keras, hand-computed steps, saved state and errors."""

import io

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

from tinynet import optimizers  # noqa: E402

SHAPES = [(3, 4), (5,), (2, 3, 2)]
SCALES = [1.0, 10.0, 0.01]  # gradients of very different sizes per parameter
# A learning rate per optimizer large enough that 50 steps move the weights visibly.
LEARNING_RATES = {"SGD": 0.1, "RMSprop": 0.01, "Adagrad": 0.1, "Adadelta": 1.0, "Adam": 0.01}
CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.5, "nesterov": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.5, "centered": True, "rho": 0.8, "epsilon": 1e-4}),
    ("Adagrad", {}),
    ("Adagrad", {"initial_accumulator_value": 0.5, "epsilon": 1e-4}),
    ("Adadelta", {}),
    ("Adadelta", {"rho": 0.8, "epsilon": 1e-5}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}),
]


def case_id(case):
    name, kwargs = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def weights_and_gradients(steps, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [[(rng.normal(size=s) * c).astype(np.float32)
              for s, c in zip(SHAPES, SCALES, strict=True)] for _ in range(steps)]
    return weights, grads


def run(opt, params, grad_steps):
    for grads in grad_steps:
        opt.update(params, {key: g for key, g in zip(params, grads, strict=True)})


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fifty_steps_match_keras(case):
    name, kwargs = case
    kwargs = {"learning_rate": LEARNING_RATES[name], **kwargs}
    w0, grad_steps = weights_and_gradients(50)
    theirs = getattr(keras.optimizers, name)(**kwargs)
    variables = [keras.Variable(w, name=f"p{i}") for i, w in enumerate(w0)]
    ours = getattr(optimizers, name)(**kwargs)
    params = {f"p{i}": w.copy() for i, w in enumerate(w0)}
    for grads in grad_steps:
        theirs.apply_gradients(zip(grads, variables, strict=True))
        ours.update(params, {f"p{i}": g for i, g in enumerate(grads)})

    assert ours.iterations == int(theirs.iterations.numpy()) == 50
    # atol 1e-6: a weight that crosses zero has no meaningful relative error, and a float32
    # rounding difference (say TF's pow against NumPy's) is ~1e-8 per step, far below it.
    # Measured with Keras 3.15.1 / TF 2.21: every variable and slot is bit-identical.
    for i, (v, w) in enumerate(zip(variables, w0, strict=True)):
        np.testing.assert_allclose(params[f"p{i}"], v.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(params[f"p{i}"] - w, v.numpy() - w, rtol=1e-5, atol=1e-6)
    slots = {f"p{i}_{slot}": a for i in range(3) for slot, a in ours.slots[f"p{i}"].items()}
    keras_slots = {v.name: v.numpy() for v in theirs.variables
                   if v.name not in ("iteration", "learning_rate")}
    assert slots.keys() == keras_slots.keys()  # same slots, under Keras's names
    for key, a in slots.items():
        np.testing.assert_allclose(a, keras_slots[key], rtol=1e-5, atol=1e-6)


def test_adam_first_step_by_hand():
    rng = np.random.default_rng(1)
    w0, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    m, v = (1 - b1) * g, (1 - b2) * g * g
    # Keras casts β to the weights' dtype through a float32 tensor (TF's cast of a Python
    # float), so in float64 the bias corrections use float32-rounded betas.
    b1c, b2c = float(np.float32(b1)), float(np.float32(b2))
    expected = w0 - lr * np.sqrt(1 - b2c) / (1 - b1c) * m / (np.sqrt(v) + eps)
    params = {"w": w0.copy()}
    optimizers.Adam(learning_rate=lr).update(params, {"w": g})
    np.testing.assert_allclose(params["w"], expected, rtol=1e-12)
    # Adam's first step is lr·sign(g), shrunk by ε/sqrt(1 − β₂) next to |g| (≤ 1e-3 here).
    np.testing.assert_allclose(w0 - params["w"], lr * np.sign(g), rtol=1e-3)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_two_steps_by_hand(nesterov):
    rng = np.random.default_rng(2)
    w0, g1, g2 = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    lr, mu = 0.1, float(np.float32(0.9))  # Keras casts μ through float32, as β in Adam
    v1 = -lr * g1
    v2 = mu * v1 - lr * g2
    if nesterov:
        expected = w0 + (mu * v1 - lr * g1) + (mu * v2 - lr * g2)
    else:
        expected = w0 + v1 + v2
    params = {"w": w0.copy()}
    opt = optimizers.SGD(learning_rate=lr, momentum=mu, nesterov=nesterov)
    opt.update(params, {"w": g1})
    opt.update(params, {"w": g2})
    np.testing.assert_allclose(params["w"], expected, rtol=1e-12)


def test_update_is_in_place_and_one_call_is_one_step():
    w0, (grads, *_) = weights_and_gradients(1)
    params = {f"p{i}": w.copy() for i, w in enumerate(w0)}
    arrays = dict(params)
    opt = optimizers.Adam()
    opt.update(params, {f"p{i}": g for i, g in enumerate(grads)})
    assert opt.iterations == 1
    for key, w in params.items():
        assert w is arrays[key]  # the layer's own array was changed, not replaced
        assert w.dtype == np.float32
        assert not np.array_equal(w, w0[int(key[1])])


def test_slots_take_the_parameter_dtype():
    params = {"a": np.ones(3, np.float32), "b": np.ones(3, np.float64)}
    opt = optimizers.RMSprop(momentum=0.9, centered=True)
    opt.update(params, {"a": np.ones(3, np.float64), "b": np.ones(3, np.float32)})
    assert params["a"].dtype == np.float32 and params["b"].dtype == np.float64
    assert {s.dtype for s in opt.slots["a"].values()} == {np.dtype(np.float32)}
    assert {s.dtype for s in opt.slots["b"].values()} == {np.dtype(np.float64)}


@pytest.mark.parametrize("name, cls", [("adam", "Adam"), ("SGD", "SGD"), ("RMSprop", "RMSprop"),
                                       ("adagrad", "Adagrad"), ("AdaDelta", "Adadelta")])
def test_aliases_give_keras_defaults(name, cls):
    opt = optimizers.get(name)
    assert type(opt).__name__ == cls
    config = opt.get_config()["config"]
    keras_config = keras.optimizers.get(cls.lower()).get_config()
    for key, value in config.items():
        # Keras stores the learning rate as a float32 variable: 0.001 → 0.0010000000474974513.
        assert value == pytest.approx(keras_config[key], rel=1e-7), key


def test_get_passes_an_instance_through():
    opt = optimizers.SGD(momentum=0.5)
    assert optimizers.get(opt) is opt


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw'") as info:
        optimizers.get("adamw")
    for name in ("sgd", "rmsprop", "adagrad", "adadelta", "adam"):
        assert name in str(info.value)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_config_round_trip(case):
    name, kwargs = case
    opt = getattr(optimizers, name)(learning_rate=0.05, **kwargs)
    config = opt.get_config()
    assert config["class_name"] == name
    for key, value in kwargs.items():
        assert config["config"][key] == value
    again = optimizers.deserialize(config)
    assert type(again) is type(opt) and again.get_config() == config
    assert optimizers.get(config).get_config() == config


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_configs_cross_to_keras_and_back(case):
    name, kwargs = case
    ours = getattr(optimizers, name)(learning_rate=0.05, **kwargs).get_config()
    theirs = keras.optimizers.get({"class_name": ours["class_name"], "config": ours["config"]})
    back = optimizers.deserialize(keras.optimizers.serialize(theirs)).get_config()
    # Keras keeps the learning rate as float32: 0.05 comes back as 0.05000000074505806.
    assert back["config"].pop("learning_rate") == pytest.approx(0.05, rel=1e-7)
    ours["config"].pop("learning_rate")
    assert back == ours


def test_keras_options_tinynet_lacks_are_refused():
    config = keras.optimizers.serialize(keras.optimizers.Adam(use_ema=True, weight_decay=0.1))
    with pytest.raises(ValueError, match=r"turns on Keras's \['use_ema', 'weight_decay'\]"):
        optimizers.deserialize(config)


@pytest.mark.parametrize("config, fragment", [
    ("adam", "deserialize expects {'class_name'"),
    ({"config": {}}, "deserialize expects {'class_name'"),
    ({"class_name": "Nadam", "config": {}}, "Unknown optimizer 'Nadam'"),
    ({"class_name": "SGD", "config": {"beta_1": 0.9}}, "unknown arguments ['beta_1']"),
])
def test_deserialize_rejects_bad_configs(config, fragment):
    with pytest.raises(ValueError, match=fragment.replace("[", r"\[").replace("{", r"\{")):
        optimizers.deserialize(config)


@pytest.mark.parametrize("cls, kwargs, fragment", [
    (optimizers.SGD, {"learning_rate": -1}, "learning_rate must be a finite number >= 0"),
    (optimizers.Adam, {"learning_rate": -1e-3}, "learning_rate must be a finite number >= 0"),
    (optimizers.Adam, {"learning_rate": float("nan")}, "got nan"),
    (optimizers.Adam, {"learning_rate": float("inf")}, "got inf"),
    (optimizers.RMSprop, {"learning_rate": "fast"}, "got 'fast'"),
    (optimizers.SGD, {"learning_rate": True}, "got True"),
    (optimizers.RMSprop, {"rho": 1.0}, "rho must be a number in [0, 1)"),
    (optimizers.Adadelta, {"rho": -0.1}, "rho must be a number in [0, 1)"),
    (optimizers.Adam, {"beta_1": 1.0}, "beta_1 must be a number in [0, 1)"),
    (optimizers.Adam, {"beta_2": 1.5}, "beta_2 must be a number in [0, 1)"),
    (optimizers.SGD, {"momentum": 1.5}, "momentum must be a number in [0, 1]"),
    (optimizers.RMSprop, {"momentum": -0.5}, "momentum must be a number in [0, 1]"),
    (optimizers.Adam, {"epsilon": -1e-7}, "epsilon must be a finite number >= 0"),
    (optimizers.Adagrad, {"initial_accumulator_value": -1}, "initial_accumulator_value must"),
])
def test_bad_hyperparameters_raise(cls, kwargs, fragment):
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    message = str(info.value)
    assert fragment in message
    arg = next(iter(kwargs))
    assert f"Pass e.g. {cls.__name__}({arg}=" in message  # names the fix


def test_boundary_hyperparameters_are_accepted():
    optimizers.SGD(momentum=1.0)
    optimizers.RMSprop(rho=0.0, epsilon=0.0)
    optimizers.Adam(beta_1=0, beta_2=0.0, learning_rate=1)


@pytest.mark.parametrize("case", [("SGD", {"momentum": 0.9}), ("RMSprop", {"momentum": 0.9}),
                                  ("Adam", {})], ids=case_id)
def test_learning_rate_zero_freezes_the_weights(case):
    # Keras accepts 0.0 too; the model tests use it to hold the weights still.
    name, kwargs = case
    w0, grad_steps = weights_and_gradients(3)
    params = {f"p{i}": w.copy() for i, w in enumerate(w0)}
    run(getattr(optimizers, name)(learning_rate=0.0, **kwargs), params, grad_steps)
    for i, w in enumerate(w0):
        np.testing.assert_array_equal(params[f"p{i}"], w)


@pytest.mark.parametrize("params, grads, fragment", [
    ({"w": np.zeros(3)}, {"v": np.zeros(3)}, "same keys; grads lacks ['w'] and has extra ['v']"),
    ({"w": np.zeros(3), "b": np.zeros(2)}, {"w": np.zeros(3)}, "grads lacks ['b']"),
    ({"w": np.zeros(3)}, {"w": np.zeros(4)}, "'w' has shape (3,)"),
    ({"w": [0.0, 0.0]}, {"w": np.zeros(2)}, "params['w'] is a list"),
])
def test_update_rejects_mismatched_params_and_grads(params, grads, fragment):
    with pytest.raises(ValueError) as info:
        optimizers.SGD().update(params, grads)
    assert fragment in str(info.value)


@pytest.mark.parametrize("case", [("Adam", {"amsgrad": True}), ("SGD", {"momentum": 0.9}),
                                  ("RMSprop", {"momentum": 0.9, "centered": True}),
                                  ("Adagrad", {}), ("Adadelta", {})], ids=case_id)
def test_saved_state_continues_identically(case):
    name, kwargs = case
    w0, grad_steps = weights_and_gradients(12)
    keys = ["dense/kernel", "dense/bias", "conv2d/kernel"]
    params = dict(zip(keys, (w.copy() for w in w0), strict=True))
    opt = getattr(optimizers, name)(**kwargs)
    run(opt, params, grad_steps[:7])

    state = opt.get_state()
    assert state["iterations"] == 7
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in state.values())
    assert f"dense/kernel/{opt.slot_names()[0]}" in state
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    buffer.seek(0)
    restored = getattr(optimizers, name)(**kwargs)
    with np.load(buffer) as saved:
        restored.set_state(saved)
    params_copy = {key: w.copy() for key, w in params.items()}

    run(opt, params, grad_steps[7:])
    run(restored, params_copy, grad_steps[7:])
    assert restored.iterations == opt.iterations == 12
    for key in keys:
        np.testing.assert_array_equal(params_copy[key], params[key])


def test_state_is_a_copy():
    params = {"w": np.ones(2, np.float32)}
    opt = optimizers.Adam()
    opt.update(params, {"w": np.ones(2, np.float32)})
    state = opt.get_state()
    state["w/momentum"][:] = 123.0
    assert not np.any(opt.slots["w"]["momentum"] == 123.0)


def test_set_state_rejects_foreign_state():
    params = {"w": np.ones(2, np.float32)}
    adam = optimizers.Adam()
    adam.update(params, {"w": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match="has slots .*but this SGD keeps"):
        optimizers.SGD(momentum=0.9).set_state(adam.get_state())
    with pytest.raises(ValueError, match="no 'iterations' entry"):
        optimizers.Adam().set_state({"w/momentum": np.zeros(2)})
    other = optimizers.Adam()
    other.set_state(adam.get_state())
    with pytest.raises(ValueError, match="saved slots have shapes"):
        other.update({"w": np.ones(3, np.float32)}, {"w": np.ones(3, np.float32)})


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fifty_steps_match_keras_in_float64(case, keras_float64):
    name, kwargs = case
    kwargs = {"learning_rate": LEARNING_RATES[name], **kwargs}
    w0, grad_steps = weights_and_gradients(50)
    w0 = [w.astype(np.float64) for w in w0]
    theirs = getattr(keras.optimizers, name)(**kwargs)
    variables = [keras.Variable(w, name=f"p{i}", dtype="float64") for i, w in enumerate(w0)]
    ours = getattr(optimizers, name)(**kwargs)
    params = {f"p{i}": w.copy() for i, w in enumerate(w0)}
    for grads in grad_steps:
        grads = [g.astype(np.float64) for g in grads]
        theirs.apply_gradients(zip(grads, variables, strict=True))
        ours.update(params, {f"p{i}": g for i, g in enumerate(grads)})
    # float64 leaves room only for last-bit differences (TF's pow against NumPy's).
    for i, v in enumerate(variables):
        assert params[f"p{i}"].dtype == np.float64
        np.testing.assert_allclose(params[f"p{i}"], v.numpy(), rtol=1e-12, atol=1e-14)
