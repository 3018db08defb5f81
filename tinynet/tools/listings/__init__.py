"""The tinynet twin of every book listing, paired with its Keras script in one registry."""

import importlib.util
import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

import tinynet
from tinynet.tools.harness import quiet
from tinynet.tools.interop import KERAS_INSTALL_HINT
from tinynet.tools.listings import (
    linear_regression,
    logic_gates,
    mnist_cnn,
    mnist_digit,
    mnist_lstm,
    mnist_mlp,
    vanishing_gradients,
    xor,
)
from tinynet.tools.listings.errors import ListingUnavailableError

# The Keras scripts sit beside the package in a source checkout; a wheel does not ship them.
REFERENCE = Path(tinynet.__file__).resolve().parents[1] / "reference"
FRAMEWORKS = ("tinynet", "keras")


@dataclass(frozen=True)
class Listing:
    """One listing of the chapter: its twin, its Keras script and what the book printed.

    Args:
        twin: the module in ``tinynet/listings/``.
        script: the Keras script's file name in ``reference/``.
        title: where the book has it, e.g. ``"Listing 4.1"``.
        book: the book's numbers, one short line for ``tinynet list``.
        keys: the result keys ``tinynet compare`` shows side by side.
        quick_epochs: the epochs under ``--quick`` (``None``: the listing's own default).
        curves: whether ``compare`` draws both frameworks' per-step learning curves.
        fits: how many fits one run makes (the gates train one network per gate).
        confusion: whether ``compare`` draws confusion matrices on the test set.
        verbose_fit: whether the script's ``fit`` shows its own progress bar under
            ``tinynet run`` (then the harness adds no bar of its own).
    """

    twin: ModuleType
    script: str
    title: str
    book: str
    keys: tuple
    quick_epochs: int | None = None
    curves: bool = False
    fits: int = 1
    confusion: bool = False
    verbose_fit: bool = False

    @property
    def name(self):
        return self.twin.__name__.rsplit(".", 1)[-1]

    def module(self, framework):
        """The twin for ``"tinynet"``, the imported Keras script for ``"keras"``."""
        return self.twin if framework == "tinynet" else load_reference(self.script)


LISTINGS = {listing.name: listing for listing in (
    Listing(linear_regression, "linear_regression.py", "ch. 3",
            "2 params (m, b), lr 0.001-0.05; prints 'Loss:' each step", ("m", "b"),
            curves=True),
    Listing(xor, "xor.py", "Listing 4.1",
            "9 params, 1000 epochs; predicted 0.364 1.007 0.364 0.151",
            ("predictions",), quick_epochs=100, curves=True),
    Listing(logic_gates, "logic_gates.py", "ch. 4 gates",
            "9 params, 1000 epochs per gate; its 'NOR' is XNOR, its 'ANDR' is AND",
            ("predictions",), quick_epochs=10, curves=True, fits=4),
    Listing(mnist_digit, "mnist_digit.py", "Listing 4.2",
            "X_train (60000, 28, 28), X_test (10000, 28, 28); the first digit is a 5",
            ("label",)),
    Listing(mnist_mlp, "mnist_mlp.py", "Listing 4.3",
            "407,050 params, 5 epochs; train accuracy 0.9861 after epoch 5",
            ("test_accuracy",), curves=True, confusion=True, verbose_fit=True),
    Listing(mnist_cnn, "mnist_cnn.py", "Listing 4.4",
            "93,322 params, 1 epoch; train 0.9563, test 0.9868; image 300 is a 4",
            ("test_accuracy", "predicted_digit"), curves=True, confusion=True,
            verbose_fit=True),
    Listing(mnist_lstm, "mnist_lstm.py", "beyond the book",
            "81,674 params: LSTM(128) reads 28 rows of 28 pixels, 1 epoch; image 300 is a 4",
            ("test_accuracy", "predicted_digit"), curves=True, confusion=True,
            verbose_fit=True),
    Listing(vanishing_gradients, "vanishing_gradients.py", "beyond the book",
            "gradient norms at init, log10 first/last: sigmoid vs ReLU, SimpleRNN vs LSTM",
            ("sigmoid_log10", "relu_log10", "simple_rnn_log10", "lstm_log10")),
)}

_references = {}


def load_reference(script):
    """Import ``reference/<script>`` by path (once), or say what is missing and how to get it."""
    path = REFERENCE / script
    if not path.is_file():
        raise ListingUnavailableError(
            f"{path} is missing: the Keras reference scripts are not part of the installed "
            "package. `--framework keras` and `tinynet compare` need a source checkout of "
            "tinynet (clone the repository, then `uv sync`).")
    try:  # fail here, with the fix, rather than inside the script; and without TF's log lines
        quiet.import_keras()
    except ImportError:
        raise ListingUnavailableError(
            f"`--framework keras` and `tinynet compare`: {KERAS_INSTALL_HINT}") from None
    if script not in _references:
        spec = importlib.util.spec_from_file_location(f"reference_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except ImportError as e:
            raise ListingUnavailableError(
                f"reference/{script}: {e}. {KERAS_INSTALL_HINT}") from None
        _references[script] = module
    return _references[script]


def epochs_of(name, framework="tinynet", epochs=None, quick=False):
    """The epochs a run will train: ``epochs``, else the ``--quick`` value, else the script's."""
    if epochs is None and quick:
        epochs = LISTINGS[name].quick_epochs
    if epochs is None:
        epochs = run_parameters(name, framework).get("epochs")
        epochs = None if epochs is None else epochs.default
    return epochs


def run_parameters(name, framework):
    """The parameters of the script's ``run()``."""
    return inspect.signature(LISTINGS[name].module(framework).run).parameters


def run(name, framework="tinynet", epochs=None, seed=0, quick=False, out=None, verbose=0,
        initial_weights=None, callbacks=None):
    """Run one listing in one framework; ``quick`` also shortens XOR and the gates.

    ``callbacks`` go to the script's ``fit`` (Keras callbacks for ``"keras"``); a script whose
    ``run()`` takes none, or that does not call ``fit``, runs without them.
    """
    listing = LISTINGS[name]
    if epochs is None and quick:
        epochs = listing.quick_epochs
    kwargs = {} if epochs is None else {"epochs": epochs}
    if callbacks is not None and "callbacks" in run_parameters(name, framework):
        kwargs["callbacks"] = callbacks
    with quiet.keras_warnings_filtered():
        return listing.module(framework).run(seed=seed, quick=quick, out=out, verbose=verbose,
                                             initial_weights=initial_weights, **kwargs)


def compare(name, seed=0, quick=False, out="out"):
    """Keras first, then the twin from Keras's initial weights: ``{"keras": …, "tinynet": …}``.

    The Keras script writes its PNGs to ``out/keras``, the twin to ``out`` itself.
    """
    out = Path(out)
    keras_result = run(name, "keras", seed=seed, quick=quick, out=out / "keras")
    tinynet_result = run(name, "tinynet", seed=seed, quick=quick, out=out,
                         initial_weights=keras_result.get("initial_weights"))
    return {"keras": keras_result, "tinynet": tinynet_result}


# Arrays, per-epoch and per-step curves and fitted models: not in compare.json.
SERIES = ("initial_weights", "history", "losses", "curves", "models")


def to_json(value):
    """Plain JSON values: NumPy scalars become floats/ints; weights and curves are left out."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if k not in SERIES}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return value


__all__ = ["FRAMEWORKS", "LISTINGS", "REFERENCE", "Listing", "ListingUnavailableError",
           "compare", "epochs_of", "load_reference", "run", "run_parameters", "to_json"]
