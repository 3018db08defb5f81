"""Adagrad: per-weight steps shrinking with the summed squared gradients (Duchi et al., 2011)."""

import numpy as np

from tinynet.optimizers.base import NON_NEGATIVE, Optimizer, _as_keras_casts, _sqrt_plus


class Adagrad(Optimizer):
    """Per-weight steps shrinking with the summed squared gradients (Duchi et al., 2011).

    Algorithm (Duchi, Hazan & Singer, 2011, diagonal form)::

        G ← G + g²                         (G starts at 0)
        w ← w − η·g / (δ + sqrt(G))

    Keras starts ``G`` at ``initial_accumulator_value`` (0.1) and puts its ε inside the root:
    ``w ← w − η·g / sqrt(G + ε)``. Textbook twin: ``adagrad`` in ``tinynet/textbook/optimizers.py``.

    Args:
        learning_rate: the step size.
        initial_accumulator_value: starting value (>= 0) of each sum of squares.
        epsilon: ε added under the square root.
        **kwargs: ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` (see ``Optimizer``).
    """

    config_keys = ("learning_rate", "initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = self._number(
            "initial_accumulator_value", initial_accumulator_value, NON_NEGATIVE)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)

    def slot_names(self):
        return ("accumulator",)

    def build_slots(self, w):
        return {"accumulator": np.full_like(
            w, _as_keras_casts(self.initial_accumulator_value, w))}

    def update_step(self, w, g, state, t):
        a = state["accumulator"]
        # a ← a + g²
        a += np.square(g)
        # w ← w − lr·g / sqrt(a + ε)
        w -= self.learning_rate * g / _sqrt_plus(a, self.epsilon)
