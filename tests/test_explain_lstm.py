"""``explain_lstm``: its numbers against a BPTT step worked by hand, in plain Python loops."""

import math

import numpy as np
import pytest

from tinynet.tools.explain_lstm import X, Y, explain_lstm


def sig(v):
    return 1 / (1 + math.exp(-v))


def by_hand(W, U, b, xs, y):
    """The LSTM equations unit by unit with math.exp and loops: forward, loss, then BPTT."""
    n_in, u4 = len(W), len(b)
    u, steps = u4 // 4, len(xs)
    h, c = [0.0] * u, [0.0] * u
    record = []
    for x in xs:
        z = [b[k] + sum(x[j] * W[j][k] for j in range(n_in)) + sum(h[j] * U[j][k]
                                                                  for j in range(u))
             for k in range(u4)]
        i = [sig(z[k]) for k in range(u)]
        f = [sig(z[u + k]) for k in range(u)]
        g = [math.tanh(z[2 * u + k]) for k in range(u)]
        o = [sig(z[3 * u + k]) for k in range(u)]
        c_new = [f[k] * c[k] + i[k] * g[k] for k in range(u)]
        h_new = [o[k] * math.tanh(c_new[k]) for k in range(u)]
        record.append({"x": x, "h_prev": h, "c_prev": c, "i": i, "f": f, "c_bar": g, "o": o,
                       "c": c_new, "h": h_new})
        h, c = h_new, c_new
    loss = sum((h[k] - y[k]) ** 2 for k in range(u)) / u
    dW = [[0.0] * u4 for _ in range(n_in)]
    dU = [[0.0] * u4 for _ in range(u)]
    db = [0.0] * u4
    dh_next, dc_next = [0.0] * u, [0.0] * u
    back = [None] * steps
    for t in reversed(range(steps)):
        r = record[t]
        dh = [(2 * (h[k] - y[k]) / u if t == steps - 1 else 0.0) + dh_next[k] for k in range(u)]
        dc = [dc_next[k] + dh[k] * r["o"][k] * (1 - math.tanh(r["c"][k]) ** 2)
              for k in range(u)]
        dz = ([dc[k] * r["c_bar"][k] * r["i"][k] * (1 - r["i"][k]) for k in range(u)]
              + [dc[k] * r["c_prev"][k] * r["f"][k] * (1 - r["f"][k]) for k in range(u)]
              + [dc[k] * r["i"][k] * (1 - r["c_bar"][k] ** 2) for k in range(u)]
              + [dh[k] * math.tanh(r["c"][k]) * r["o"][k] * (1 - r["o"][k]) for k in range(u)])
        for k in range(u4):
            db[k] += dz[k]
            for j in range(n_in):
                dW[j][k] += r["x"][j] * dz[k]
            for j in range(u):
                dU[j][k] += r["h_prev"][j] * dz[k]
        back[t] = {"dh": dh, "dc": dc, "dz": dz}
        dh_next = [sum(dz[k] * U[j][k] for k in range(u4)) for j in range(u)]
        dc_next = [dc[k] * r["f"][k] for k in range(u)]
    return record, loss, back, {"kernel": dW, "recurrent_kernel": dU, "bias": db}


@pytest.fixture(scope="module")
def explained():
    lines = []
    return explain_lstm(print_fn=lines.append, seed=0), lines


def test_every_number_matches_the_step_by_hand(explained):
    out, _ = explained
    W, U, b = (w.tolist() for w in out["weights"])
    record, loss, back, grads = by_hand(W, U, b, X[0].tolist(), Y[0].tolist())
    assert out["loss"] == pytest.approx(loss, rel=1e-12)
    for t in range(3):
        for key in ("i", "f", "c_bar", "o", "c", "h"):
            np.testing.assert_allclose(out[key][t], record[t][key], rtol=1e-12, err_msg=key)
        for key in ("dh", "dc", "dz"):
            np.testing.assert_allclose(out[key][t], back[t][key], rtol=1e-10, atol=1e-15,
                                       err_msg=f"{key} at t={t + 1}")
    for key, g in grads.items():
        np.testing.assert_allclose(out["grads"][key], g, rtol=1e-10, atol=1e-15, err_msg=key)
        np.testing.assert_allclose(out["library_grads"][key], g, rtol=1e-10, atol=1e-15)


def test_the_weights_are_kerass_defaults_and_the_example_is_not_degenerate(explained):
    out, _ = explained
    W, U, b = out["weights"]
    np.testing.assert_allclose(U @ U.T, np.eye(2), atol=1e-12)  # orthogonal rows (U is 2×8)
    np.testing.assert_array_equal(b, [0, 0, 1, 1, 0, 0, 0, 0])  # unit_forget_bias
    assert np.all(np.abs(W) <= math.sqrt(6 / (2 + 8)))  # glorot_uniform's limit
    # the gradient reaches every step through dc, and no gate saturates
    assert np.all(np.abs(out["dc"]).max(axis=1) > 1e-2)
    for gate in ("i", "f", "o"):
        assert np.all((out[gate] > 0.05) & (out[gate] < 0.97)), gate


def test_printed_lines_name_each_quantity(explained):
    _, lines = explained
    text = "\n".join(lines)
    for fragment in ["== forward", "i = σ(z_i)", "c = f⊙c_prev + i⊙c̃", "h = o⊙tanh(c)",
                     "loss L = mean((h_3 − y)²)", "== backward through time: t = 3, 2, 1 ==",
                     "dh = dy_t + dh_next", "dc = dc_next + dh⊙o⊙(1 − tanh²c)",
                     "dz_f = dc⊙c_prev⊙f(1−f)", "dh_next = dz·Uᵀ", "dc_next = dc⊙f",
                     "dW = Σ_t x_tᵀ·dz_t", "dU = Σ_t h_{t−1}ᵀ·dz_t", "db = Σ_t dz_t",
                     "largest difference"]:
        assert fragment in text, fragment
    assert [line[:3] for line in lines if line[:2] == "t="] == ["t=1", "t=2", "t=3"] + [
        "t=3", "t=2", "t=1"]


def test_cli_explain_lstm(capsys):
    from tinynet.tools.cli import main

    assert main(["explain", "lstm"]) == 0
    assert "backward through time" in capsys.readouterr().out
