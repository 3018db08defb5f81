"""Quiet Keras runs: TensorFlow's C++ start-up lines and Keras's ``input_shape`` warnings go.

Nothing in ``reference/`` is edited for this. TensorFlow 2.21 logs through absl before
``TF_CPP_MIN_LOG_LEVEL`` is honoured, so the lines it writes while being imported are caught
on file descriptor 2 and dropped when they match its log format; anything else written there
(a real error) is passed on. The book's ``Dense(..., input_dim=2)`` and
``Flatten(input_shape=...)`` make Keras 3 warn that ``Input(shape)`` is preferred; that
warning is filtered by its message while the harness runs a script.
"""

import contextlib
import os
import re
import sys
import tempfile
import warnings

# "I0000 00:00:1795748694.759313   23471 port.cc:153] oneDNN custom operations are on..."
ABSL_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] ")
NOISE = (
    ABSL_LINE,
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^To enable the following instructions: .* rebuild TensorFlow"),
)
INPUT_SHAPE_WARNING = r"Do not pass an `input_shape`/`input_dim` argument to a layer"


def is_noise(line):
    """Whether ``line`` is one of TensorFlow's start-up log lines."""
    return any(pattern.match(line) for pattern in NOISE)


@contextlib.contextmanager
def filtered_fd2():
    """Catch what C++ writes to file descriptor 2; pass on the lines that are not noise."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (an embedded interpreter): nothing to filter
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            kept = [line for line in sink.read().decode(errors="replace").splitlines()
                    if line.strip() and not is_noise(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def import_keras():
    """``import keras`` (and TensorFlow) without TensorFlow's C++ start-up lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the lines logged later, at run time
    if "keras" in sys.modules and sys.modules["keras"] is not None:
        return sys.modules["keras"]
    with filtered_fd2():
        import keras
    return keras


@contextlib.contextmanager
def keras_warnings_filtered():
    """Run a reference script without Keras's "do not pass `input_shape`" UserWarning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=INPUT_SHAPE_WARNING, category=UserWarning)
        yield
