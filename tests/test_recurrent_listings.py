"""The listings beyond the book, tinynet's side: mnist_lstm and vanishing_gradients (no Keras)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from tinynet.tools import listings
from tinynet.tools.listings import mnist_lstm, vanishing_gradients


def test_mnist_lstm_twin_learns_and_reads_image_300(tmp_path):
    result = mnist_lstm.run(quick=True, out=tmp_path)  # 2,000 images: 63 steps of batch 32
    assert result["params"] == 4 * 128 * (28 + 128 + 1) + (128 * 10 + 10) == 81_674
    assert result["framework"] == "tinynet" and result["label"] == 4
    assert len(result["predictions"]) == 10
    assert sum(result["predictions"]) == pytest.approx(1.0, abs=1e-5)
    assert result["test_accuracy"] > 0.25  # chance is 0.1; about 0.5 after these 63 steps
    assert result["history"]["loss"][0] < np.log(10)  # below the loss of a uniform guess
    assert Path(result["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mnist_lstm_summary_matches_kerass(capsys):
    mnist_lstm.build_model().summary()
    text = " ".join(capsys.readouterr().out.split())
    assert "lstm (LSTM) (None, 128) 80,384" in text
    assert "dense (Dense) (None, 10) 1,290" in text and "Total params: 81,674" in text


def test_vanishing_gradients_shows_the_chapters_claims(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "keras", None)  # tinynet's column alone
    monkeypatch.setattr(listings, "_references", {})
    result = vanishing_gradients.run(out=tmp_path, verbose=1)
    norms = result["norms"]
    assert result["other_framework_norms"] is None
    assert result["largest_relative_difference"] is None
    assert [len(norms[n]) for n in vanishing_gradients.NETWORKS] == [11, 11, 100, 100, 100]
    # (a) sigmoid: the gradient shrinks layer by layer towards the input; ReLU keeps it
    assert result["sigmoid_log10"] < -4 and result["relu_log10"] > -1
    assert np.all(np.diff(norms["sigmoid"][1:]) > 0)
    # (b) at Keras's initialization (f ≈ 0.73) the LSTM's gradient fades over 100 steps;
    # with the forget gate nearly open (f ≈ 0.95) it reaches t = 1 undiminished
    assert result["lstm_log10"] < -6 < result["simple_rnn_log10"] < -2
    assert result["lstm_open_log10"] > -1
    for png in result["png"]:
        assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "only tinynet's column" in out and "(b) ‖∂L/∂x_t‖ per step t" in out


def test_vanishing_gradients_twin_gradients_match_central_differences():
    """The twin's hand-written chain rule (dx through 100 LSTM steps) against the loss itself."""
    built = vanishing_gradients.build_models()
    model = built["lstm_open"]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, vanishing_gradients.STEPS, 1)), rng.normal(size=(2, 1))
    dx, _ = vanishing_gradients.gradients(model, x, y)
    for t in (0, 50, 99):
        e = np.zeros_like(x)
        e[0, t, 0] = 1e-6
        plus = model.loss(y, model.predict(x + e, verbose=0))
        minus = model.loss(y, model.predict(x - e, verbose=0))
        assert dx[0, t, 0] == pytest.approx((plus - minus) / 2e-6, rel=1e-5, abs=1e-12)
