"""``tinynet exercise``: stubs fail, references pass, and each diagnosis names the broken gradient.

NumPy only: step 3 (Keras) is turned off here and tested in test_exercises_keras.py.
"""

import numpy as np
import pytest

from tinynet.losses import MeanSquaredError
from tinynet.tools import cli
from tinynet.tools.exercises import EXERCISES, batchnorm, get, lstm, mse, training
from tinynet.tools.exercises.grading import check


@pytest.fixture(autouse=True)
def _small_training(monkeypatch):
    """Step 4 on 256 synthetic images: the same code path, a quarter of the work."""
    monkeypatch.setattr(training, "TRAIN", 256)
    monkeypatch.setattr(training, "TEST", 128)


def grade(name, text, tmp_path, train=False, **kwargs):
    """Write ``text`` as the learner's file and check it; returns (passed, report)."""
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    lines = []
    passed = check(get(name), path, keras=False, train=train, data="synthetic",
                   print_fn=lines.append, **kwargs)
    return passed, "\n".join(lines)


def broken(name, body):
    """The stub with its (first) ``raise NotImplementedError(...)`` replaced by ``body``."""
    text, first = get(name).stub_text(), get(name).functions[0]
    start = text.index("    raise NotImplementedError(", text.index(f"def {first}"))
    end = text.index(")\n", text.index('")', start)) + 2
    return text[:start] + f"    {body}\n" + text[end:]


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_untouched_stub_fails(name, tmp_path):
    passed, report = grade(name, get(name).stub_text(), tmp_path)
    assert not passed
    assert "1 shapes: FAILED" in report and "NotImplementedError" in report
    assert f"FAILED at step 1. Fix it, then run `tinynet exercise check {name}` again." in report


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_reference_solution_passes(name, tmp_path):
    passed, report = grade(name, get(name).solution_text(), tmp_path)
    assert passed, report
    assert report.endswith(f"PASSED: {name}.")
    assert "FAILED" not in report
    assert "3 Keras parity, float64: skipped" in report


def test_the_solution_is_the_library_code(tmp_path):
    """What `solution` prints is the textbook's function, verbatim, under the given forward."""
    import inspect

    from tinynet.textbook import dense

    text = get("dense").solution_text()
    assert inspect.getsource(dense.dense_backward).strip() in text
    assert "# from tinynet/textbook/dense.py" in text
    assert text.startswith(get("dense").given.strip())


# -- each diagnosis on a deliberately broken solution ---------------------------------------------
def test_transposed_dW(tmp_path):
    passed, report = grade("dense", broken("dense", "return dy @ W.T, dy.T @ x, dy.sum(axis=0)"),
                           tmp_path)
    assert not passed
    assert "dW has shape (3, 4), expected (4, 3): dW looks transposed" in report
    assert "dW.T is exactly right" in report


def test_transposed_dW_of_a_square_kernel(tmp_path):
    """A square W hides the shape error; gradcheck's hint still names the transpose."""
    text = broken("dense", "return dy @ W.T, (x.T @ dy).T if W.shape[0] == W.shape[1] "
                           "else x.T @ dy, dy.sum(axis=0)")
    passed, report = grade("dense", text, tmp_path)
    assert not passed
    assert "diagnosis: dW looks transposed" in report


def test_missing_one_over_N(tmp_path):
    passed, report = grade("softmax_ce", broken("softmax_ce", "return softmax(z) - t"), tmp_path)
    assert not passed
    assert "diagnosis: dz off by a constant factor k = 6" in report
    assert "did you forget to average?" in report


def test_averaged_twice(tmp_path):
    passed, report = grade("dense", broken("dense", "return dy @ W.T, x.T @ dy, dy.mean(axis=0)"),
                           tmp_path)
    assert not passed
    assert "diagnosis: db off by a constant factor" in report and "did you average twice?" in report


def test_sign_flipped(tmp_path):
    passed, report = grade("softmax_ce", broken("softmax_ce", "return (t - softmax(z)) / len(z)"),
                           tmp_path)
    assert not passed
    assert "diagnosis: dz sign flipped" in report


def test_relu_slope_at_zero(tmp_path):
    passed, report = grade("relu", broken("relu", "return dy * (z >= 0)"), tmp_path)
    assert not passed
    assert "z off the kink (4, 5):\n    dz  relative error" in report  # fine away from 0...
    assert "diagnosis: dz correct except where z == 0" in report  # ...and named at 0
    assert "slope 0 at z == 0" in report


def test_relu_slope_at_zero_that_central_differences_accept(tmp_path):
    """Slope ½ at 0 is what central differences measure there, but not Keras's convention."""
    body = "return dy * np.where(z > 0, 1.0, np.where(z == 0, 0.5, 0.0))"
    passed, report = grade("relu", broken("relu", body), tmp_path)
    assert not passed
    assert "diagnosis: dz correct except where z == 0" in report


def test_maxpool_ties_go_to_the_first_maximum(tmp_path):
    body = ("return max_pool2d_backward_last(x, dy, pool_size, strides, padding)")
    text = broken("maxpool", body) + """

def max_pool2d_backward_last(x, dy, pool_size, strides, padding):
    # as the textbook's, but a tie goes to the LAST maximum of the window
    (ph, pw), (sh, sw) = pool_size, strides or pool_size
    xp, ((top, _), (left, _)), _ = _padded(x, pool_size, (sh, sw), padding)
    dx = np.zeros(x.shape)
    for n, i, j, c in np.ndindex(*dy.shape):
        window = xp[n, i * sh:i * sh + ph, j * sw:j * sw + pw, c].ravel()
        p, q = divmod(window.size - 1 - int(np.argmax(window[::-1])), pw)
        dx[n, i * sh + p - top, j * sw + q - left, c] += dy[n, i, j, c]
    return dx
"""
    passed, report = grade("maxpool", text, tmp_path)
    assert not passed, report
    assert "2×2 pool, 'valid', x (2, 6, 6, 3):\n    dx  relative error" in report
    assert "diagnosis: dx correct except where z == 0 (on the kink)" in report
    assert "first maximum" in report


def test_mse_names_the_outputs_per_sample(tmp_path):
    passed, report = grade("mse", broken("mse", "return 2 * (p - t) / len(p)"), tmp_path)
    assert not passed
    assert "D (the 4 outputs per sample)" in report


def test_dropout_names_the_missing_scale(tmp_path):
    passed, report = grade("dropout", broken("dropout", "return dy * (mask > 0)"), tmp_path)
    assert not passed
    assert "1 − rate: the survivors' scale 1/(1 − rate) is missing" in report


def test_adam_names_the_missing_bias_correction(tmp_path):
    body = ("m = beta_1 * m + (1 - beta_1) * g; v = beta_2 * v + (1 - beta_2) * g**2; "
            "return w - lr * m / (np.sqrt(v) + eps), m, v, v_max")
    passed, report = grade("adam", broken("adam", body), tmp_path)
    assert not passed
    assert "diagnosis: the bias corrections are missing" in report


def test_wrong_count_and_exceptions_are_named(tmp_path):
    passed, report = grade("dense", broken("dense", "return dy @ W.T, x.T @ dy"), tmp_path)
    assert not passed and "must return three arrays, (dx, dW, db); got 2 value(s)" in report
    passed, report = grade("dense", broken("dense", "return dy @ W, x.T @ dy, dy.sum(0)"),
                           tmp_path)
    assert not passed and "ValueError" in report and "of dense.py)" in report


def test_a_file_that_does_not_load(tmp_path):
    passed, report = grade("dense", "def dense_backward(:\n", tmp_path)
    assert not passed and "your file does not load: SyntaxError" in report


# -- step 4 ---------------------------------------------------------------------------------------
def test_training_run_matches_the_reference(tmp_path):
    passed, report = grade("dense", broken("dense", "return dy @ W.T, x.T @ dy, dy.sum(axis=0)"),
                           tmp_path, train=True)
    assert passed, report
    lines = report.splitlines()
    ours = next(line for line in lines if line.strip().startswith("yours"))
    ref = next(line for line in lines if line.strip().startswith("reference"))
    assert ours.split("yours")[1].strip() == ref.split("reference")[1].strip()  # same numbers
    assert "mnist_mlp, 256 synthetic digit-like images, 1 epoch:" in report


def test_slow_code_skips_the_training_run(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "BUDGET", 0.0)
    passed, report = grade("relu", get("relu").solution_text(), tmp_path, train=True)
    assert passed
    assert "4 training run with your code swapped in: skipped" in report
    assert "vectorize it" in report


def test_training_that_does_not_learn_fails(tmp_path):
    """Right in float64 (steps 1 and 2 pass), no gradient in the float32 training run."""
    body = ("s = 0.0 if x.dtype == np.float32 else 1.0; "
            "return dy @ W.T, s * (x.T @ dy), s * dy.sum(axis=0)")
    passed, report = grade("dense", broken("dense", body), tmp_path, train=True)
    assert not passed, report
    assert "2 gradients" in report and "FAILED at step 4" in report
    assert "apart (at most 3% passes)" in report


# -- the references of the exercises that have no textbook twin equal the library ----------------
def test_mse_reference_is_the_library_loss():
    rng = np.random.default_rng(1)
    t, p = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    np.testing.assert_allclose(mse.mse_backward(t, p), MeanSquaredError().gradient(t, p))


def test_batchnorm_reference_is_the_library_layer():
    from tinynet.layers.normalization import BatchNormalization

    fns = {}
    exec(batchnorm.GIVEN, fns)
    rng = np.random.default_rng(2)
    x, dy = 2 + rng.standard_normal((7, 3)), rng.standard_normal((7, 3))
    layer = BatchNormalization(dtype="float64")
    layer.build((3,))
    layer.params["gamma"][...] = gamma = 1 + rng.standard_normal(3)
    layer.params["beta"][...] = beta = rng.standard_normal(3)
    y, cache = fns["batchnorm_forward"](x, gamma, beta, 1e-3)
    np.testing.assert_allclose(y, layer.forward(x, training=True), rtol=1e-12)
    dx, dgamma, dbeta = batchnorm.batchnorm_backward(dy, cache)
    np.testing.assert_allclose(dx, layer.backward(dy), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma, layer.grads["gamma"], rtol=1e-12)
    np.testing.assert_allclose(dbeta, layer.grads["beta"], rtol=1e-12)


def test_lstm_reference_steps_make_the_library_bptt():
    """Three steps chained backwards through the exercise's reference equal LSTM.backward."""
    from tinynet.layers.lstm import LSTM

    fns = {}
    exec(lstm.GIVEN, fns)
    rng = np.random.default_rng(3)
    n, steps, d, u = 2, 3, 4, 3
    xs, dys = rng.standard_normal((n, steps, d)), rng.standard_normal((n, steps, u))
    layer = LSTM(u, return_sequences=True, dtype="float64")
    layer.build((steps, d))
    weights = [rng.standard_normal(w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    layer.forward(xs, training=True)
    dxs = layer.backward(dys)
    h, c, caches = np.zeros((n, u)), np.zeros((n, u)), []
    for t in range(steps):
        h, c, cache = fns["lstm_step"](xs[:, t], h, c, *weights)
        caches.append(cache)
    dh, dc, grads, dx = np.zeros((n, u)), np.zeros((n, u)), 0, []
    for t in reversed(range(steps)):
        dx_t, dh, dc, *dw = lstm.lstm_step_backward(dys[:, t] + dh, dc, caches[t])
        grads, dx = grads + np.concatenate([g.ravel() for g in dw]), [dx_t, *dx]
    np.testing.assert_allclose(np.stack(dx, axis=1), dxs, rtol=1e-10, atol=1e-12)
    library = np.concatenate([layer.grads[k].ravel() for k in layer.params])
    np.testing.assert_allclose(grads, library, rtol=1e-10, atol=1e-12)


# -- the command line -----------------------------------------------------------------------------
def test_cli_start_check_solution(tmp_path, capsys):
    folder = str(tmp_path / "mine")
    assert cli.main(["exercise", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(f" {name} " in listed for name in EXERCISES)
    assert cli.main(["exercise", "start", "sigmoid", "--dir", folder]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "σ(z)·(1 − σ(z))" not in out  # no formula without --hint
    assert cli.main(["exercise", "check", "sigmoid", "--dir", folder, "--no-keras"]) == 1
    assert cli.main(["exercise", "start", "sigmoid", "--dir", folder, "--hint"]) == 0
    out = capsys.readouterr().out
    assert "is there already: your work is kept" in out and "σ(z)·(1 − σ(z))" in out
    assert cli.main(["exercise", "solution", "sigmoid"]) == 0
    solution = capsys.readouterr().out
    (tmp_path / "mine" / "sigmoid.py").write_text(solution, encoding="utf-8")
    assert cli.main(["exercise", "check", "sigmoid", "--dir", folder, "--no-keras"]) == 0
    assert "PASSED: sigmoid." in capsys.readouterr().out


def test_cli_check_without_a_file_names_start(tmp_path, capsys):
    assert cli.main(["exercise", "check", "dense", "--dir", str(tmp_path)]) == 1
    assert "tinynet exercise start dense --dir" in capsys.readouterr().err
