"""``explain_xor``: every printed formula, and its numbers against a step done by hand."""

import re

import numpy as np
import pytest

from tinynet.tools.explain import build_xor, explain_xor

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
# Chosen so that each hidden unit is alive on some points and dead on others, no z is 0,
# and no printed value sits on a rounding boundary.
W1 = np.array([[0.5, -0.4], [0.3, 0.8]])
B1 = np.array([0.1, -0.2])
W2 = np.array([[0.7], [-0.6]])
B2 = np.array([0.05])
WEIGHTS = [W1, B1, W2, B2]
KEYS = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
LR, BETA_1, BETA_2, EPS = 0.001, 0.9, 0.999, 1e-7

FORMULAS = [
    "== forward ==",
    "dense   z = x·W + b",
    "dense   h = relu(z)",
    "dense_1 ŷ = h·W + b",
    "loss    L = mean((ŷ − y)²)",
    "== backward (chain rule: one reversed loop) ==",
    "loss    dŷ = 2(ŷ − y)/N",
    "dense_1 dW = hᵀ·dŷ",
    "dense_1 db = Σ dŷ",
    "dense_1 dx = dŷ·Wᵀ",
    "dense   dz = dh ⊙ [z > 0]",
    "dense   dW = xᵀ·dz",
    "dense   db = Σ dz",
    "dense   dx = dz·Wᵀ",
    "m = β1·m + (1 − β1)·g",
    "v = β2·v + (1 − β2)·g²",
    "α = lr·√(1 − β2^t)/(1 − β1^t)",
    "W ← W − α·m/(√v + ε)",
]


def hand_step(params, state, t):
    """One full-batch step of the XOR net in float64, written out from the formulas."""
    w1, b1, w2, b2 = params
    z = X @ w1 + b1
    h = np.maximum(z, 0)
    y_hat = h @ w2 + b2
    loss = np.mean((y_hat - Y) ** 2)
    dy_hat = 2 * (y_hat - Y) / Y.size
    dw2, db2 = h.T @ dy_hat, dy_hat.sum(axis=0)
    dh = dy_hat @ w2.T
    dz = dh * (z > 0)
    dw1, db1 = X.T @ dz, dz.sum(axis=0)
    grads = [dw1, db1, dw2, db2]
    alpha = LR * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    new, adam = [], {}
    for key, w, g in zip(KEYS, params, grads, strict=True):
        m, v = state.get(key, (np.zeros_like(w), np.zeros_like(w)))
        m = BETA_1 * m + (1 - BETA_1) * g
        v = BETA_2 * v + (1 - BETA_2) * g**2
        state[key] = (m, v)
        new.append(w - alpha * m / (np.sqrt(v) + EPS))
        adam[key] = {"g": g, "m": m, "v": v, "new": new[-1]}
    values = {"z": z, "h": h, "y_hat": y_hat, "loss": loss, "dy_hat": dy_hat, "dh": dh,
              "dz": dz, "dW2": dw2, "db2": db2, "dW1": dw1, "db1": db1, "alpha": alpha,
              "adam": adam}
    return new, values


def run(**kwargs):
    lines = []
    result = explain_xor(print_fn=lines.append, **kwargs)
    return lines, result


def numbers(text):
    """Every decimal number in ``text``, in order."""
    return np.array([float(s) for s in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text)])


def after_eq(line):
    """The numbers after the last ``=`` of a line: the result it prints."""
    return numbers(line.rsplit("=", 1)[1])


def line_with(lines, start, text):
    """The first line from index ``start`` on that contains ``text``."""
    return next(line for line in lines[start:] if text in line)


# -- the formulas ---------------------------------------------------------------------------
def test_every_formula_is_printed_in_order():
    lines, _ = run(weights=WEIGHTS)
    text = "\n".join(lines)
    positions = [text.find(formula) for formula in FORMULAS]
    assert min(positions) >= 0, [f for f in FORMULAS if f not in text]
    assert positions == sorted(positions)
    assert "== Adam update (t = 1) ==" in text


# -- the numbers, against the hand computation -------------------------------------------
def test_returned_arrays_match_a_step_by_hand():
    _, got = run(weights=WEIGHTS)
    _, want = hand_step(WEIGHTS, {}, t=1)
    close = {"rtol": 1e-5, "atol": 1e-6}
    for key in ("z", "h", "y_hat", "dy_hat", "loss", "alpha"):
        np.testing.assert_allclose(got[key], want[key], **close, err_msg=key)
    for mine, theirs in [("dense_1/dW", "dW2"), ("dense_1/db", "db2"), ("dense_1/dx", "dh"),
                         ("dense/dz", "dz"), ("dense/dW", "dW1"), ("dense/db", "db1")]:
        np.testing.assert_allclose(got[mine], want[theirs], **close, err_msg=mine)
    for key in KEYS:
        for slot in ("g", "m", "v", "new"):
            np.testing.assert_allclose(got["adam"][key][slot], want["adam"][key][slot],
                                       **close, err_msg=f"{key} {slot}")
    for before, w in zip(got["weights"], WEIGHTS, strict=True):
        np.testing.assert_allclose(before, w, rtol=1e-7)


def test_printed_numbers_match_a_step_by_hand():
    lines, _ = run(weights=WEIGHTS)
    _, want = hand_step(WEIGHTS, {}, t=1)
    tol = 6e-5  # printed to 4 decimals
    for i in range(4):
        for name, key in [("z", "z"), ("h", "h"), ("ŷ", "y_hat"), ("dh", "dh"), ("dz", "dz")]:
            line = line_with(lines, 0, f"{name}[{i}] = ")
            np.testing.assert_allclose(after_eq(line), want[key][i], atol=tol, err_msg=line)
    loss_line = line_with(lines, 0, "L = (")
    np.testing.assert_allclose(after_eq(loss_line), want["loss"], atol=tol)
    np.testing.assert_allclose(numbers(loss_line.split("L = (")[0].split("=")[-1]),
                               ((want["y_hat"] - Y) ** 2).ravel(), atol=tol)
    np.testing.assert_allclose(after_eq(line_with(lines, 0, "dŷ = 2")),
                               want["dy_hat"].ravel(), atol=tol)
    backward = lines.index("== backward (chain rule: one reversed loop) ==")
    dense = next(i for i, line in enumerate(lines) if line.startswith("dense   dz"))
    for start, (dw, db) in [(backward, ("dW2", "db2")), (dense, ("dW1", "db1"))]:
        np.testing.assert_allclose(after_eq(line_with(lines, start, "dW = ")),
                                   want[dw].ravel(), atol=tol)
        np.testing.assert_allclose(after_eq(line_with(lines, start, "db = ")),
                                   want[db].ravel(), atol=tol)
    np.testing.assert_allclose(after_eq(line_with(lines, 0, "α = 0.001")), want["alpha"],
                               rtol=5e-6)


def test_printed_adam_lines_match_by_hand():
    lines, _ = run(weights=WEIGHTS)
    _, want = hand_step(WEIGHTS, {}, t=1)
    for key, w in zip(KEYS, WEIGHTS, strict=True):
        start = lines.index(key)
        adam = want["adam"][key]
        for label, value, tol in [("W     = ", w, 6e-7), ("g     = ", adam["g"], 6e-7),
                                  ("m     = ", adam["m"], 6e-7), ("W new = ", adam["new"], 6e-7)]:
            line = line_with(lines, start, label)
            np.testing.assert_allclose(after_eq(line), value.ravel(), atol=tol, err_msg=line)
        v_line = line_with(lines, start, "v     = ")
        np.testing.assert_allclose(after_eq(v_line), adam["v"].ravel(), rtol=1e-4, atol=1e-12)


def test_step_3_is_the_third_step_by_hand():
    params, state = WEIGHTS, {}
    for t in (1, 2):
        params, _ = hand_step(params, state, t)
    _, want = hand_step(params, state, t=3)
    lines, got = run(step=3, weights=WEIGHTS)
    assert "== Adam update (t = 3) ==" in lines
    for before, w in zip(got["weights"], params, strict=True):
        np.testing.assert_allclose(before, w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    for key in KEYS:
        for slot in ("m", "v", "new"):
            np.testing.assert_allclose(got["adam"][key][slot], want["adam"][key][slot],
                                       rtol=1e-4, atol=1e-9, err_msg=f"{key} {slot}")


def test_step_3_differs_from_step_1():
    lines_1, got_1 = run(step=1)
    lines_3, got_3 = run(step=3)
    assert lines_1 != lines_3
    assert not np.array_equal(got_1["weights"][0], got_3["weights"][0])


# -- the seeded path is the library's training ----------------------------------------------
@pytest.mark.parametrize("step", [1, 4])
def test_explained_step_equals_train_on_batch(step):
    _, got = run(step=step, seed=3)
    model = build_xor(seed=3)
    for _ in range(step):
        model.train_on_batch(X, Y)
    for key, w in zip(KEYS, model.get_weights(), strict=True):
        np.testing.assert_array_equal(got["adam"][key]["new"], w)


def test_seeded_weights_fed_back_give_the_same_explanation():
    lines, _ = run(step=2, seed=7)
    again, _ = run(step=2, seed=7)
    assert lines == again
    lines_1, got_1 = run(step=1, seed=7)
    injected, _ = run(step=1, seed=99, weights=got_1["weights"])
    assert injected[1:] == lines_1[1:]  # the header names the seed; the rest is the same


def test_default_print_fn_prints(capsys):
    explain_xor(step=1)
    assert "== Adam update (t = 1) ==" in capsys.readouterr().out


# -- bad arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize("step", [0, -1, 1.5, "2", True, None])
def test_bad_step_names_the_fix(step):
    with pytest.raises(ValueError, match=r"step must be a whole number >= 1.*step=1"):
        explain_xor(step=step, print_fn=lambda line: None)


def test_weights_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="shape"):
        explain_xor(weights=[W1.T[:1], B1, W2, B2], print_fn=lambda line: None)
