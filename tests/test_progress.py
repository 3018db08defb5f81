"""Progress of ``run`` on stderr (silenced by ``--quiet``), ``python -m tinynet``, the step log.

NumPy only: the Keras side of the same checks is in ``test_compare_quick.py``.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinynet.tools import cli
from tinynet.tools.harness import runs, watch
from tinynet.tools.harness.progress import FitBar, Progress
from tinynet.tools.listings import LISTINGS, plots, table, xor

ROOT = Path(__file__).resolve().parent.parent


def python_m_tinynet(*args):
    """``python -m tinynet ARGS`` from the repository root, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "tinynet", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=False)


def test_python_m_tinynet_list_is_the_tinynet_command(capsys):
    done = python_m_tinynet("list")
    assert done.returncode == 0, done.stderr
    assert cli.main(["list"]) == 0
    assert done.stdout == capsys.readouterr().out
    assert done.stdout.splitlines()[0].split()[0] == next(iter(LISTINGS))
    assert done.stderr == ""


def test_run_shows_listing_framework_time_and_a_bar_on_stderr_only(capsys):
    assert cli.main(["run", "xor", "--epochs", "30"]) == 0
    out, err = capsys.readouterr()
    # stdout: the book's lines and the summary, nothing else
    assert out.splitlines()[:3] == ["compiling model...", "fitting model...",
                                    "Testing XOR operator"]
    assert "epochs" not in out and "run:" not in out and "\r" not in out
    # stderr: which listing and framework, the elapsed time, and the bar with its epochs
    assert "run: xor on tinynet: tinynet/tools/listings/xor.py, 30 epochs ..." in err
    assert "run: xor on tinynet: done in " in err
    assert "[  0:0" in err  # minutes:seconds since the start
    assert "tinynet xor" in err and "30/30 epochs" in err


def test_quiet_run_prints_nothing_on_stderr_and_the_same_stdout(capsys):
    assert cli.main(["run", "xor", "--epochs", "30"]) == 0
    loud = capsys.readouterr()
    assert cli.main(["run", "xor", "--epochs", "30", "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and loud.err != ""
    assert quiet.out.splitlines()[:7] == loud.out.splitlines()[:7]  # the seconds may differ


def test_step_log_has_one_loss_per_step_and_the_epoch_ends():
    progress = Progress(quiet=True)
    result = runs.watched_run("xor", "tinynet", progress, epochs=7, seed=3)
    curve = result["curves"]["loss"]
    assert len(curve["loss"]) == result["steps"] == 7 and result["steps_per_epoch"] == 1
    assert curve["epoch_ends"] == list(range(1, 8))
    # one batch per epoch: the batch loss is the epoch loss
    np.testing.assert_allclose(curve["loss"], result["history"]["loss"], rtol=1e-6)
    assert result["step_quantity"] == watch.BATCH_LOSS
    assert len(result["models"]) == 1


def test_step_log_of_several_batches_averages_to_the_epoch_loss():
    # 10 samples in batches of 4: 4, 4, 2 per epoch; Keras's epoch loss weights by batch size.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    log = watch.StepLog()
    model = xor.build_model()
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                        callbacks=[watch.watch("tinynet", log)])
    fit = log.fits[0]
    assert fit["epoch_ends"] == [3, 6] and log.steps_per_epoch == 3
    for epoch, (start, end) in enumerate([(0, 3), (3, 6)]):
        weighted = np.average(fit["loss"][start:end], weights=[4, 4, 2])
        assert weighted == pytest.approx(history.history["loss"][epoch], rel=1e-6)


def test_gates_record_one_curve_per_gate():
    result = runs.watched_run("logic_gates", "tinynet", Progress(quiet=True), epochs=5)
    assert list(result["curves"]) == ["OR", "AND", "NOR", "XNOR"]
    assert result["steps"] == 20 and len(result["models"]) == 4


def test_running_mean_restarts_each_epoch():
    assert runs.running_mean([1.0, 3.0, 2.0, 4.0], [2, 4]) == [1.0, 2.0, 2.0, 3.0]


def test_fit_bar_counts_tenths_of_epochs_once_steps_are_known():
    bar = FitBar("test", epochs=2, disable=True)
    bar.set_steps(4)
    bar.begin_fit()
    bar.step(0)
    assert bar.bar.n == pytest.approx(0.25)
    for step in range(1, 4):
        bar.step(step)
    bar.end_epoch()
    assert bar.bar.n == 1 and "{n:.2f}" in bar.bar.bar_format  # hundredths for two epochs
    bar.close()


def test_plurals():
    assert plots.plural(1, "epoch") == "1 epoch"
    assert plots.plural(5, "epoch") == "5 epochs"
    assert plots.plural(1875, "step") == "1,875 steps"


def test_table_marks_a_result_that_did_not_learn():
    result = {"predictions": [0.502, 0.475, 0.502, 0.383], "learned": False}
    assert table.outcome(result, ("predictions",)).endswith(table.NOT_LEARNED)
    gates = {"predictions": {"OR": [0.8, 0.9, 0.9, 0.9], "AND": [0.1, 0.1, 0.2, 0.9]},
             "learned": {"OR": False, "AND": True}}
    assert table.outcome(gates, ("predictions",)) == f"1111{table.NOT_LEARNED} 0001"
    row = ("xor", "9 / 9", "-", table.outcome(result, ("predictions",)), "-", "-")
    notes = table.notes([row])
    assert notes[-1].startswith(f"{table.NOT_LEARNED} xor: did not learn from this seed")
    assert "`tinynet seeds xor`" in notes[-1]
    learned = {"predictions": [0.0, 1.0, 1.0, 0.0], "learned": True}
    assert table.NOT_LEARNED not in table.outcome(learned, ("predictions",))
