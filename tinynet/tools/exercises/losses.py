"""Shared by the ``softmax_ce`` and ``mse`` exercises: a scalar loss and its gradient."""

from tinynet.tools.exercises import keras_parity
from tinynet.tools.exercises.base import Case, Probe, unpack


def case(label, x, t, value, backward):
    """A ``Case`` for ``L = fns[value](t, x)`` whose learner writes ``dx = fns[backward](t, x)``.

    The probe's output is the scalar ``L``; gradcheck's ``dy`` is then a scalar, which
    multiplies the learner's ``∂L/∂x``.
    """
    returns = f"{backward}(t, ...) must return one array, the gradient"

    def make(fns):
        def run(x, p):
            return float(fns[value](t, x)), None

        def back(dy, x, p, cache):
            return dy * unpack(fns[backward](t, x), 1, returns), {}
        return Probe(run, back)
    made = Case(label, x, make)
    made.t = t
    return made


def keras(loss):
    """Step 3 for a Keras loss built by ``loss(keras)``, called as ``loss(t, x)``."""
    def pairs(fns, case, rng):
        _, k = keras_parity.tf_keras()
        _, G, ours = keras_parity.learner_side(fns, case, rng)
        keras_loss = loss(k)
        (theirs,) = keras_parity.tape(lambda x: keras_loss(case.t, x) * float(G), [case.x])
        return {"x": (ours["x"], theirs)}
    return pairs
