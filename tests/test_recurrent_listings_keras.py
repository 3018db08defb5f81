"""The listings beyond the book against their Keras scripts: same models, same norms."""

from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.keras

from tinynet.datasets.mnist import load_data  # noqa: E402
from tinynet.tools import listings  # noqa: E402
from tinynet.tools.listings import mnist_lstm, vanishing_gradients  # noqa: E402


def test_tinynet_run_vanishing_gradients_prints_both_columns_agreeing(tmp_path, capsys):
    result = listings.run("vanishing_gradients", "tinynet", out=tmp_path, verbose=1)
    assert result["largest_relative_difference"] < 1e-5  # measured: about 1e-14 (float64)
    for name in vanishing_gradients.NETWORKS:
        np.testing.assert_allclose(result["norms"][name], result["other_framework_norms"][name],
                                   rtol=1e-5)
    assert [Path(p).name for p in result["png"]] == ["vanishing_gradients_mlp.png",
                                                     "vanishing_gradients_rnn.png"]
    assert all(Path(p).is_file() for p in result["png"])
    out = capsys.readouterr().out
    assert "tinynet       Keras" in out and "largest relative difference" in out


def test_keras_script_from_the_same_weights_gives_the_same_norms(tmp_path):
    ours = vanishing_gradients.run(out=tmp_path / "t")
    theirs = listings.run("vanishing_gradients", "keras", out=tmp_path / "k",
                          initial_weights=ours["initial_weights"])
    for name in vanishing_gradients.NETWORKS:
        np.testing.assert_allclose(ours["norms"][name], theirs["norms"][name], rtol=1e-10)
    assert theirs["largest_relative_difference"] < 1e-5


def test_mnist_lstm_twin_predicts_as_the_keras_script_from_the_same_weights():
    reference = listings.load_reference("mnist_lstm.py")
    km = reference.build_model()
    model = mnist_lstm.build_model()
    rng = np.random.default_rng(0)
    weights = [w + rng.uniform(-0.1, 0.1, w.shape).astype(w.dtype) for w in km.get_weights()]
    km.set_weights(weights)
    model.set_weights(weights)
    _, (images, _) = load_data()
    x = images[295:305].reshape(-1, 28, 28) / 255.0
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-6)
    assert model.count_params() == km.count_params() == 81_674


def test_mnist_lstm_keras_script_runs(tmp_path):
    result = listings.run("mnist_lstm", "keras", quick=True, out=tmp_path)
    assert result["framework"] == "keras" and result["params"] == 81_674
    assert result["test_accuracy"] > 0.25 and Path(result["png"]).is_file()
