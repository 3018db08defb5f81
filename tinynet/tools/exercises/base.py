"""What one exercise is: the learner's file (forward given, backward stubbed), reference, checks.

An exercise module builds one ``Exercise``. The learner's file is ``given + stubs``; the
reference solution is ``given`` followed by the source of the library's own functions of the
same names (``reference``), so the solution printed is the library's code, not a copy of it.
A ``Case`` is one small float64 problem; ``case.make(fns)`` wraps the functions ``fns`` (the
learner's, or the reference's) in a ``Probe``, the layer-like object ``tinynet.gradcheck`` checks.
"""

import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class ExerciseError(Exception):
    """The learner's code broke a rule of the exercise (a wrong count of results, an exception)."""


@dataclass
class Probe:
    """A layer as ``gradcheck`` sees one: ``forward(x)``, ``backward(dy) -> dx``, params, grads.

    ``run(x, params)`` returns ``(y, cache)``; ``back(dy, x, params, cache)`` returns
    ``(dx, {param: gradient})``. Both close over the functions under test.
    """

    run: Callable
    back: Callable
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        self.grads = {}

    def forward(self, x):
        self.x = x
        y, self.cache = self.run(x, self.params)
        return np.asarray(y)

    def backward(self, dy):
        dx, self.grads = self.back(dy, self.x, self.params, self.cache)
        return dx


@dataclass
class Case:
    """One small problem: a label, the input ``x`` and ``make(fns) -> Probe``.

    ``kink`` marks entries of ``x`` where the derivative is undefined (ReLU at 0); there the
    learner must agree with the reference's convention, whose rule ``convention`` states.
    """

    label: str
    x: np.ndarray
    make: Callable
    kink: np.ndarray | None = None
    convention: str = ""


@dataclass
class Exercise:
    """One exercise: what ``list``, ``start``, ``check`` and ``solution`` need to know.

    Args:
        name: the command-line name, also the learner's file name (``dense`` → ``dense.py``).
        title: a few words for ``list``.
        level: difficulty, 1 (a line or two) to 3 (a page).
        teaches: what the learner comes away with, one line.
        given: the head of the learner's file: docstring, imports, the forward pass.
        stubs: the functions to write, each raising ``NotImplementedError``, shapes documented.
        hint: one paragraph, shown by ``start --hint``.
        formula: the result to end up with, shown by ``start --hint``.
        reference: function name → the library function with that name and contract.
        library: more of the library to print with the solution, ``(caption, object)`` pairs.
        names: gradcheck's array name → what the learner calls that gradient (``"W"`` → ``"dW"``).
        returns: the contract in words, for error messages (``"dense_backward returns ..."``).
        cases: ``rng -> [Case]``, the problems of steps 1 and 2.
        factors: constant factors worth a name in a diagnosis, ``{k: "why"}``.
        keras: ``(fns, case, rng) -> {name: (learner's, Keras's)}`` for step 3, or ``None``.
        training: ``(fns, data) -> dict`` for step 4 (see ``training.py``), or ``None``.
        keras_tol: the largest relative error step 3 passes.
        gradients: replaces steps 1 and 2 for an exercise with no gradient (Adam):
            ``(fns, ref, cases, path) -> [(title, run)]``, each ``run() -> (ok, lines)``.
    """

    name: str
    title: str
    level: int
    teaches: str
    given: str
    stubs: str
    hint: str
    formula: str
    reference: dict
    names: dict
    returns: str
    cases: Callable | None = None
    library: tuple = ()
    factors: dict = field(default_factory=dict)
    keras: Callable | None = None
    training: Callable | None = None
    keras_tol: float = 1e-6
    gradients: Callable | None = None

    @property
    def functions(self):
        """The names of the functions the learner writes, in order."""
        return tuple(self.reference)

    def stub_text(self):
        """The learner's starting file."""
        return f"{self.given.strip()}\n\n\n{self.stubs.strip()}\n"

    def solution_text(self):
        """``given`` with the library's functions in place of the stubs: a file that passes."""
        parts = []
        for fn in self.reference.values():
            where = Path(inspect.getsourcefile(fn)).as_posix().split("/tinynet/")[-1]
            parts.append(f"# from tinynet/{where}\n{inspect.getsource(fn).strip()}")
        return f"{self.given.strip()}\n\n\n" + "\n\n\n".join(parts) + "\n"

    def library_text(self):
        """The extra library code the solution prints: the fast form, the layer it lives in."""
        out = []
        for caption, obj in self.library:
            where = Path(inspect.getsourcefile(obj)).as_posix().split("/tinynet/")[-1]
            out.append(f"# {caption}: tinynet/{where}\n{inspect.getsource(obj).rstrip()}")
        return "\n\n".join(out)


def source(*objects):
    """The library source of ``objects``, each as it is written there, for a learner's file."""
    return "\n\n".join(inspect.getsource(obj).strip() for obj in objects)


def load_module(path, name):
    """Import the learner's file at ``path`` as a fresh module (never cached between checks)."""
    spec = importlib.util.spec_from_file_location(f"tinynet_exercise_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(spec.name, None)
    spec.loader.exec_module(module)
    return module


def functions_of(module, exercise):
    """``{name: function}`` for each function the exercise needs, or an ``ExerciseError``."""
    missing = [f for f in exercise.functions if not callable(getattr(module, f, None))]
    if missing:
        raise ExerciseError(f"{Path(module.__file__).name} has no function "
                            f"{', '.join(missing)}: keep the names the stub gave them.")
    return {f: getattr(module, f) for f in exercise.functions}


def unpack(result, count, returns):
    """``result`` as a tuple of ``count`` arrays, or an ``ExerciseError`` quoting the contract."""
    values = result if isinstance(result, tuple | list) else (result,)
    if len(values) != count or any(v is None for v in values):
        got = "None" if result is None else f"{len(values)} value(s)"
        raise ExerciseError(f"{returns}; got {got}.")
    values = tuple(v if isinstance(v, dict) else np.asarray(v) for v in values)  # a cache stays
    return values if count > 1 else values[0]


def keras_available():
    """True when TensorFlow can be imported (checked without importing it)."""
    return importlib.util.find_spec("tensorflow") is not None
