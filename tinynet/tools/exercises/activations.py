"""Shared by the ``relu`` and ``sigmoid`` exercises: an elementwise ``y = f(z)`` and its ``dz``."""

from tinynet.tools.exercises import keras_parity
from tinynet.tools.exercises.base import Case, Probe, unpack


def case(label, z, forward, backward, kink=None, convention=""):
    """A ``Case`` for ``y = forward(z)`` whose learner writes ``dz = backward(dy, z)``."""
    returns = f"{backward}(dy, z) must return one array, dz"

    def make(fns):
        def run(z, p):
            return fns[forward](z), None

        def back(dy, z, p, cache):
            return unpack(fns[backward](dy, z), 1, returns), {}
        return Probe(run, back)
    return Case(label, z, make, kink, convention)


def keras(name):
    """Step 3 for ``keras.activations.<name>``: ``{"x": (learner's dz, Keras's dz)}``."""
    def pairs(fns, case, rng):
        _, k = keras_parity.tf_keras()
        _, G, ours = keras_parity.learner_side(fns, case, rng)
        f = getattr(k.activations, name)
        (theirs,) = keras_parity.tape(lambda z: keras_parity._sum(f(z), G), [case.x])
        return {"x": (ours["x"], theirs)}
    return pairs
