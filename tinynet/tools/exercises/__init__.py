"""``tinynet exercise``: learners write the backward passes; ``check`` grades them.

One module per exercise holds the learner's starting file (the forward pass given, the
backward to write), the hint, the problems it is checked on and its Keras counterpart; the
reference solution is the library's own code (``tinynet/textbook`` where it has the form).
``grading.py`` runs the four steps of ``check``; ``cli.py`` is the subcommand.
"""

from tinynet.tools.exercises import (
    adam,
    batchnorm,
    conv2d,
    dense,
    dropout,
    lstm,
    maxpool,
    mse,
    relu,
    sigmoid,
    softmax_ce,
)

# the suggested order: each one uses what the ones before it taught
EXERCISES = {module.EXERCISE.name: module.EXERCISE for module in (
    dense, relu, sigmoid, mse, softmax_ce, dropout, maxpool, conv2d, adam, lstm, batchnorm)}


def get(name):
    """The exercise called ``name``, or a ``ValueError`` that lists them."""
    if name not in EXERCISES:
        raise ValueError(f"no exercise {name!r}; choose one of {', '.join(EXERCISES)} "
                         "(`tinynet exercise list` describes them).")
    return EXERCISES[name]
