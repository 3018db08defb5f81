"""``tinynet seeds xor``: both frameworks from the same start give the same verdict per seed."""

import contextlib
import io
import json

import pytest

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.keras

from tinynet.tools import cli  # noqa: E402
from tinynet.tools.harness import seeds  # noqa: E402


@pytest.fixture(scope="module")
def three_seeds(tmp_path_factory):
    """``tinynet seeds xor --seeds 3 --epochs 50``: Keras runs all three (3 ≤ the default 5)."""
    out = tmp_path_factory.mktemp("seeds")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["seeds", "xor", "--seeds", "3", "--epochs", "50", "--out", str(out)])
    return code, stdout.getvalue(), stderr.getvalue(), out


def test_both_frameworks_give_the_same_verdict_for_each_seed(three_seeds):
    code, _, _, out = three_seeds
    assert code == 0
    report = json.loads((out / "xor_seeds.json").read_text())
    assert report["epochs"] == 50 and report["keras_seeds"] == 3
    assert [row["seed"] for row in report["rows"]] == [0, 1, 2]
    for row in report["rows"]:
        mine, theirs = row["tinynet"]["XOR"], row["keras"]["XOR"]
        assert mine["learned"] == theirs["learned"], row["seed"]
        assert mine["code"] == theirs["code"], row["seed"]
        assert mine["learned"] == seeds.learned(mine["predictions"], [0, 1, 1, 0])
        # the same weights and the same single batch: the predictions agree to rounding
        assert mine["predictions"] == pytest.approx(theirs["predictions"], abs=1e-4)


def test_each_failure_is_printed_with_its_reason(three_seeds):
    _, out, _, folder = three_seeds
    report = json.loads((folder / "xor_seeds.json").read_text())
    failed = [row for row in report["rows"] if not row["tinynet"]["XOR"]["learned"]]
    assert failed, "50 epochs are too few for every seed to learn XOR"
    lines = out.splitlines()
    for row in failed:
        verdict = row["tinynet"]["XOR"]
        assert verdict["code"] in ("dead h1", "dead h2", "both dead", "collapsed",
                                   "not converged")
        table_row = next(line for line in lines if line.split()[:1] == [str(row["seed"])])
        assert table_row.split()[-2:] != ["learned", "learned"]
        assert verdict["code"] in table_row
        assert f"{verdict['code']}: {verdict['reason']}. Seeds: " in out
    assert "XOR learned from" in out and "same verdict in both frameworks on 3 of 3" in out
    assert "Keras seeds 0-2" in out


def test_the_decision_boundary_figure_is_written(three_seeds):
    import matplotlib.image
    from PIL import Image

    _, _, err, folder = three_seeds
    png = folder / "xor_seeds.png"
    assert matplotlib.image.imread(png).shape[2] in (3, 4)
    title = Image.open(png).text["Title"]
    assert title.startswith("xor: what the network computes")
    assert "seeds: xor on keras" in err and "seeds: xor on tinynet: 3 seeds" in err
