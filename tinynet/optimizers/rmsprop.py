"""RMSprop: divide the step by a running RMS of the gradient (Hinton, 2012)."""

import numpy as np

from tinynet.optimizers.base import DECAY, MOMENTUM, NON_NEGATIVE, Optimizer, _sqrt_plus


class RMSprop(Optimizer):
    """Divide the step by a running RMS of the gradient (Hinton, 2012), as Keras's ``RMSprop``.

    Algorithm (Hinton, Coursera lecture 6e, 2012; centered and with momentum, Graves, 2013)::

        E[g²] ← ρ·E[g²] + (1 − ρ)·g²
        w ← w − η·g / sqrt(E[g²])
        centered:  ḡ ← ρ·ḡ + (1 − ρ)·g,   and divide by sqrt(E[g²] − ḡ²) instead
        momentum:  Δ ← μ·Δ − η·g / sqrt(…),   w ← w + Δ

    Keras adds ε inside the square root, and keeps ``m = −Δ`` and subtracts it (``w ← w − m``).
    Textbook twin: ``rmsprop``, ``rmsprop_graves`` in ``tinynet/textbook/optimizers.py``.

    Args:
        learning_rate: the step size.
        rho: decay rate ρ in [0, 1) of the running averages.
        momentum: decay μ in [0, 1] of a velocity applied to the scaled steps; 0 turns it off.
        epsilon: ε added under the square root (Keras puts it inside).
        centered: divide by the gradient's running variance instead of its second moment.
        **kwargs: ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` (see ``Optimizer``).
    """

    config_keys = ("learning_rate", "rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = self._number("rho", rho, DECAY)
        self.momentum = self._number("momentum", momentum, MOMENTUM)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)
        self.centered = bool(centered)

    def slot_names(self):
        return (("velocity",) + ("momentum",) * (self.momentum > 0)
                + ("average_gradient",) * self.centered)

    def update_step(self, w, g, state, t):
        rho, v = self.rho, state["velocity"]
        # v ← ρ·v + (1 − ρ)·g²
        v *= rho
        v += (1 - rho) * np.square(g)
        if self.centered:
            mean_g = state["average_gradient"]
            # ḡ ← ρ·ḡ + (1 − ρ)·g
            mean_g *= rho
            mean_g += (1 - rho) * g
            denominator = _sqrt_plus(v - np.square(mean_g), self.epsilon)
        else:
            denominator = _sqrt_plus(v, self.epsilon)
        # Δ = lr·g / sqrt(v + ε)        (centered: lr·g / sqrt(v − ḡ² + ε))
        delta = self.learning_rate * g
        delta /= denominator
        if self.momentum > 0:
            m = state["momentum"]
            # m ← μ·m + Δ      w ← w − m
            m *= self.momentum
            m += delta
            w -= m
        else:
            # w ← w − Δ
            w -= delta
