"""Without TensorFlow: the suite still collects, and the gradient checks and textbook tests pass.

A ``sitecustomize.py`` on ``PYTHONPATH`` makes ``import tensorflow`` and ``import keras`` fail
in a child Python, as if they were not installed; ``pytest -m "not keras"`` then runs there.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMPY_ONLY = ["tests/test_gradients.py", "tests/test_gradients_gradcheck.py",
              "tests/test_losses_validation.py",
              "tests/test_textbook.py"]
BLOCKER = '''
import sys

class NoTensorFlow:
    """Refuses tensorflow and keras, as an environment without them would."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("tensorflow", "keras", "tf_keras"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None

sys.meta_path.insert(0, NoTensorFlow())
'''


def python_without_tensorflow(tmp_path, *args):
    """Run ``python *args`` from the repository root with TensorFlow and Keras unimportable."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path}, timeout=600)


def test_the_library_imports_and_tensorflow_does_not(tmp_path):
    code = ("import tinynet, tinynet.textbook, tinynet.gradcheck\n"
            "try:\n    import tensorflow\nexcept ImportError as e:\n    print('refused:', e)\n")
    run = python_without_tensorflow(tmp_path, "-c", code)
    assert run.returncode == 0, run.stderr
    assert "refused: No module named 'tensorflow' (blocked)" in run.stdout


def test_the_suite_collects_and_the_numpy_checks_pass_without_tensorflow(tmp_path):
    pytest_args = ["-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "not keras"]
    collect = python_without_tensorflow(tmp_path, *pytest_args, "--collect-only", "tests")
    assert collect.returncode == 0, collect.stdout[-3000:] + collect.stderr[-3000:]
    run = python_without_tensorflow(tmp_path, *pytest_args, *NUMPY_ONLY)
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "passed" in summary and "skipped" not in summary, summary
