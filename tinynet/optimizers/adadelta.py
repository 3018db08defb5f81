"""Adadelta: steps scaled by the ratio of running RMS of updates and gradients (Zeiler, 2012)."""

import numpy as np

from tinynet.optimizers.base import DECAY, NON_NEGATIVE, Optimizer, _sqrt_plus


class Adadelta(Optimizer):
    """Steps scaled by the ratio of running RMS of updates and gradients (Zeiler, 2012).

    Algorithm 1 (Zeiler, 2012), with ``RMS[a] = sqrt(E[a²] + ε)``::

        E[g²]  ← ρ·E[g²] + (1 − ρ)·g²
        Δx      = −(RMS[Δx]ₜ₋₁ / RMS[g]ₜ)·g
        E[Δx²] ← ρ·E[Δx²] + (1 − ρ)·Δx²
        x      ← x + Δx

    Keras multiplies the step by a learning rate, ``w ← w + η·Δx`` (η = 1 is the paper).
    Textbook twin: ``adadelta`` in ``tinynet/textbook/optimizers.py``.

    Args:
        learning_rate: the step size (1.0 gives the paper's rule).
        rho: decay rate ρ in [0, 1) of both running averages.
        epsilon: ε added under both square roots.
        **kwargs: ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` (see ``Optimizer``).
    """

    config_keys = ("learning_rate", "rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = self._number("rho", rho, DECAY)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)

    def slot_names(self):
        return ("accumulated_grad", "accumulated_delta_var")

    def update_step(self, w, g, state, t):
        rho, eps = self.rho, self.epsilon
        eg2, ed2 = state["accumulated_grad"], state["accumulated_delta_var"]
        # E[g²] ← ρ·E[g²] + (1 − ρ)·g²
        eg2 *= rho
        eg2 += (1 - rho) * np.square(g)
        # Δ = −sqrt(E[Δ²] + ε)·g / sqrt(E[g²] + ε)
        delta = _sqrt_plus(ed2, eps) * g
        delta /= _sqrt_plus(eg2, eps)
        np.negative(delta, out=delta)
        # E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
        ed2 *= rho
        ed2 += (1 - rho) * np.square(delta)
        # w ← w + lr·Δ
        delta *= self.learning_rate
        w += delta
