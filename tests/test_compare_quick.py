"""``python -m tinynet compare --quick --lockstep``, run once: table, progress, PNGs, JSON,
report.md, and the lockstep gap between the frameworks.
"""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.keras

from tinynet.tools import cli  # noqa: E402
from tinynet.tools.harness import quiet  # noqa: E402
from tinynet.tools.listings import LISTINGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "tinynet compare --quick --lockstep --seed 0"
STEPS = {"linear_regression": 100, "xor": 100, "logic_gates": 4 * 10,
         "mnist_mlp": 5 * 63, "mnist_cnn": 63}  # --quick: 2,000 images are 63 batches of 32
CURVES = [name for name, listing in LISTINGS.items() if listing.curves]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The command, as a user runs it, in a fresh process: (stdout, stderr, out folder)."""
    out = tmp_path_factory.mktemp("compare")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-m", "tinynet", "compare", "--quick", "--lockstep",
                           "--out", str(out)], cwd=ROOT, text=True, capture_output=True,
                          env={**env, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, done.stderr, out


@pytest.fixture(scope="module")
def results(run):
    return json.loads((run[2] / "compare.json").read_text())


# -- issue 16: progress, quiet output ----------------------------------------------------------
def test_progress_names_each_listing_and_framework_with_the_time_on_stderr(run):
    stdout, stderr, _ = run
    for name in LISTINGS:
        for framework in ("keras", "tinynet"):
            assert f"compare: {name} on {framework}: " in stderr, (name, framework)
            assert re.search(rf"\] compare: {name} on {framework}: done in [\d.]+ s", stderr)
    assert re.search(r"keras xor .*\| 100/100 epochs \[", stderr)  # the bar, with its epochs
    assert re.search(r"keras mnist_mlp .*\| 5\.0/5 epochs \[", stderr)
    assert "compare: mnist_cnn in lockstep" in stderr
    # stdout stays clean to pipe: no stage line, no bar
    assert "compare:" not in stdout and "\r" not in stdout and "epochs [" not in stdout


def test_no_tensorflow_log_lines_and_no_input_shape_warnings(run):
    _, stderr, _ = run
    lines = stderr.replace("\r", "\n").splitlines()
    assert not [line for line in lines if quiet.is_noise(line)]
    assert "oneDNN" not in stderr and "absl" not in stderr
    assert "UserWarning" not in stderr and "input_shape" not in stderr


def test_quiet_compare_and_run_print_nothing_on_stderr(tmp_path, capsys):
    assert cli.main(["compare", "linear_regression", "--quiet", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith("listing")
    assert cli.main(["run", "xor", "--framework", "keras", "--epochs", "2", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "xor on keras: final loss" in captured.out


# -- the table and compare.json ----------------------------------------------------------------
def test_one_row_per_listing_and_the_scripts_agree(run, results):
    stdout = run[0]
    rows = {line.split()[0]: line for line in stdout.splitlines()
            if line and line.split()[0] in LISTINGS}
    assert list(rows) == list(LISTINGS)
    assert "tinynet / keras" in stdout and "own RNG" in stdout
    listings = results["listings"]
    assert list(listings) == list(LISTINGS) and results["command"] == COMMAND
    for name, pair in listings.items():
        assert pair["tinynet"]["framework"] == "tinynet" and pair["keras"]["framework"] == "keras"
        assert "initial_weights" not in pair["tinynet"] and "models" not in pair["tinynet"]
        assert pair["tinynet"].get("params") == pair["keras"].get("params"), name
    # The scripts themselves, 100 epochs from the same start, one batch of 4 per epoch.
    np.testing.assert_allclose(listings["xor"]["tinynet"]["predictions"],
                               listings["xor"]["keras"]["predictions"], atol=1e-4)
    for gate, predictions in listings["logic_gates"]["tinynet"]["predictions"].items():
        np.testing.assert_allclose(predictions,
                                   listings["logic_gates"]["keras"]["predictions"][gate],
                                   atol=1e-4)
    for key in ("m", "b"):
        assert listings["linear_regression"]["tinynet"][key] == pytest.approx(
            listings["linear_regression"]["keras"][key], abs=1e-4)
    for name in ("mnist_mlp", "mnist_cnn"):  # different batch orders: close, not equal
        accuracies = [listings[name][fw]["test_accuracy"] for fw in ("tinynet", "keras")]
        assert abs(accuracies[0] - accuracies[1]) < 0.1, name
        assert min(accuracies) > 0.5, name


def test_a_gate_or_xor_result_that_did_not_learn_is_marked(run, results):
    stdout = run[0]
    xor = results["listings"]["xor"]
    assert xor["tinynet"]["learned"] == xor["keras"]["learned"]
    row = next(line for line in stdout.splitlines() if line.startswith("xor "))
    if not xor["tinynet"]["learned"]:  # seed 0 after 100 epochs: a dead unit (tinynet seeds)
        assert "†" in row
        assert "† xor: did not learn from this seed" in stdout
        assert "`tinynet seeds xor`" in stdout
    gates = results["listings"]["logic_gates"]
    assert gates["tinynet"]["learned"] == gates["keras"]["learned"]
    row = next(line for line in stdout.splitlines() if line.startswith("logic_gates "))
    assert row.count("†") == 2 * sum(not ok for ok in gates["tinynet"]["learned"].values())


# -- issue 17: figures ----------------------------------------------------------------------------
def test_every_png_is_written_readable_titled_and_captioned(run, results):
    import matplotlib.image
    from PIL import Image

    out = run[2]
    expected = {f"{name}_learning_curves.png" for name in CURVES}
    expected |= {f"{name}_confusion.png" for name, listing in LISTINGS.items()
                 if listing.confusion}
    expected |= {f"{name}_test_300.png" for name, listing in LISTINGS.items()
                 if "predicted_digit" in listing.keys}
    expected |= {"xor_lockstep.png", "mnist_mlp_lockstep.png", "mnist_cnn_lockstep.png"}
    assert {"mnist_mlp_confusion.png", "mnist_cnn_confusion.png",
            "mnist_cnn_test_300.png"} <= expected
    assert {Path(p).name for p in results["figures"]} == expected
    for name in expected:
        image = matplotlib.image.imread(out / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image[..., :3].std() > 0.05, name
        text = Image.open(out / name).text
        assert len(text["Title"]) > 20, name
        assert f"`{COMMAND}`" in text["Description"] and "seed 0" in text["Description"], name
    assert matplotlib.image.imread(out / "mnist_digit.png").size > 0


def test_learning_curves_have_one_point_per_step_for_both_frameworks(run, results):
    out = run[2]
    assert set(STEPS) <= set(CURVES)
    for name in CURVES:
        with open(out / f"{name}_learning_curves.csv") as f:
            rows = list(csv.DictReader(f))
        steps = results["listings"][name]["keras"]["steps"]
        assert steps == STEPS.get(name, steps) and steps >= 2, name
        for framework in ("tinynet", "keras"):
            values = [float(r[f"{framework}_loss"]) for r in rows if r[f"{framework}_loss"]]
            assert len(values) == steps, (name, framework)
            assert results["listings"][name][framework]["steps"] == steps, (name, framework)
            assert all(np.isfinite(values)), (name, framework)
        assert [int(r["step"]) for r in rows if r["series"] == rows[0]["series"]] == list(
            range(1, len(rows) // len({r["series"] for r in rows}) + 1))
    mlp = results["listings"]["mnist_mlp"]
    assert mlp["tinynet"]["steps_per_epoch"] == mlp["keras"]["steps_per_epoch"] == 63
    assert mlp["keras"]["step_quantity"] == mlp["tinynet"]["step_quantity"] == "batch loss"


def test_keras_batch_losses_average_to_its_epoch_loss(run, results):
    # Keras logs a running mean; the batch losses read from its tracker must give it back.
    with open(run[2] / "mnist_mlp_learning_curves.csv") as f:
        losses = [float(r["keras_loss"]) for r in csv.DictReader(f)]
    weights = [32] * 62 + [16]  # 2,000 = 62 × 32 + 16
    epoch_means = [np.average(losses[i * 63:(i + 1) * 63], weights=weights) for i in range(5)]
    history = results["listings"]["mnist_mlp"]["keras"]["final_loss"]
    assert epoch_means[-1] == pytest.approx(history, rel=1e-5)


def test_digit_title_carries_the_predicted_classes(run, results):
    from PIL import Image

    cnn = results["listings"]["mnist_cnn"]
    title = Image.open(run[2] / "mnist_cnn_test_300.png").text["Title"]
    assert f"Test image 300 (label {cnn['tinynet']['label']})" in title
    for framework, shown in (("tinynet", "tinynet"), ("keras", "Keras")):
        digit = cnn[framework]["predicted_digit"]
        probability = max(cnn[framework]["predictions"])
        assert f"{shown} predicts {digit} (p = {probability:.4f})" in title


def test_most_confused_pairs_in_json_and_in_the_table(run, results):
    stdout = run[0]
    for name in (name for name, listing in LISTINGS.items() if listing.confusion):
        for framework in ("tinynet", "keras"):
            result = results["listings"][name][framework]
            m = np.array(result["confusion_matrix"])
            assert m.shape == (10, 10) and m.sum() == 1000  # --quick: 1,000 test images
            assert np.trace(m) / 1000 == pytest.approx(result["test_accuracy"], abs=1e-6)
            pairs = result["most_confused"]
            assert 0 < len(pairs) <= 5
            counts = [n for _, _, n in pairs]
            assert counts == sorted(counts, reverse=True)
            off = m - np.diag(np.diag(m))
            assert counts[0] == off.max()
            assert all(m[t, p] == n and t != p for t, p, n in pairs)
            shown = ", ".join(f"{t}→{p} ×{n}" for t, p, n in pairs)
            assert re.search(rf"^{name}\s+{framework}\s+{re.escape(shown)}$", stdout, re.M)


def test_report_md_has_the_table_and_embeds_every_figure(run, results):
    out = run[2]
    report = (out / "report.md").read_text()
    assert report.startswith(f"# `{COMMAND}`")
    assert "| listing | params | final loss |" in report
    for name in LISTINGS:
        assert f"| {name} |" in report
    embedded = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    # every figure the harness drew, and the listings' own (the book's first digit, ...)
    assert {Path(p).name for p in results["figures"]} | {"mnist_digit.png"} <= set(embedded)
    assert all((out / p).is_file() for p in embedded)
    assert "## Lockstep" in report and "## Most-confused pairs" in report


# -- issue 15: lockstep ----------------------------------------------------------------------------
def test_lockstep_gap_is_within_float32_rounding(run, results):
    locked = results["lockstep"]
    assert {name: r["steps"] for name, r in locked.items()} == {
        "xor": STEPS["xor"], "mnist_mlp": STEPS["mnist_mlp"], "mnist_cnn": STEPS["mnist_cnn"]}
    for name in locked:  # the gap is printed
        gap = re.escape(f"{locked[name]['max_relative_difference']:.2e}")
        assert re.search(rf"^{name}\s+{locked[name]['steps']}\s+{gap}\s", run[0], re.M)
    # XOR and the MLP: the bound over the quick run. Measured on the 2-core dev
    # machine: XOR 0 (bit-identical), MLP 1.5e-6 (seeds 1-3: 1.2e-6, 5.1e-6, 6.9e-7).
    assert locked["xor"]["max_relative_difference"] <= 1e-5
    assert locked["mnist_mlp"]["max_relative_difference"] <= 1e-5
    # The CNN: 4.9e-7 measured here. The bound comes from float32 error growth. Summing
    # K = 576 products (conv3's and the Dense layer's fan-in, the longest sums) in another
    # order differs by about √K·u relative, u = 2⁻²⁴ = 6.0e-8 (rounding errors add as a
    # random walk); Adam carries each step's difference into the next, so over T = 63 steps
    # the gap stays below T·√K·u = 63 · 24 · 6.0e-8 = 9.0e-5, rounded up to 1e-4. That holds
    # while both runs stay on the same side of every ReLU kink and max-pool tie. MNIST's flat
    # regions make pooling windows whose values are equal in exact arithmetic; oneDNN and
    # OpenBLAS break such a tie differently, the gradient goes to another pixel, and Adam
    # (dividing by sqrt(v)) turns that into full-size steps: the gap then leaves the
    # envelope and grows chaotically. Seeds 2, 5, 6, 8, 10 and 11 do that here (8.6e-3 to
    # 0.28 over the quick run); seeds 0, 1, 3, 4, 7, 9 stay below 1.5e-6. No seed landed in
    # between, so 1e-4 separates float32 growth from a tie broken differently. If this fails
    # on other hardware, `tinynet compare mnist_cnn --lockstep --quick` shows in its plot
    # and in "left the float32 envelope" where the jump happened.
    cnn = locked["mnist_cnn"]
    assert cnn["fan_in"] == 576
    assert 63 * np.sqrt(576) * 2.0**-24 < 1e-4
    assert cnn["max_relative_difference"] <= 1e-4, (
        f"left the float32 envelope at step {cnn['left_envelope_at']}")
