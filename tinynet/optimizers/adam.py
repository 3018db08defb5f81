"""Adam: adaptive moment estimation (Kingma & Ba, 2014), as ``keras.optimizers.Adam``."""

import numpy as np

from tinynet.optimizers.base import DECAY, NON_NEGATIVE, Optimizer, _as_keras_casts


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2014), as ``keras.optimizers.Adam``.

    Algorithm 1 (Kingma & Ba, 2014), step ``t`` from 1::

        m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ)                v̂ = v / (1 − β₂ᵗ)
        w ← w − η·m̂ / (sqrt(v̂) + ε)
        AMSGrad (Reddi et al., 2018): v̂ from max(v_max, v) in place of v

    Keras uses the paper's own rearrangement (end of section 2): ``α = η·sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ)``,
    ``w ← w − α·m / (sqrt(v) + ε̂)``, with ``m ← m + (g − m)·(1 − β₁)``; its ε is that ε̂.
    Textbook twin: ``adam`` in ``tinynet/textbook/optimizers.py``.

    Args:
        learning_rate: the step size.
        beta_1: decay rate β₁ in [0, 1) of the first moment (mean of g).
        beta_2: decay rate β₂ in [0, 1) of the second moment (mean of g²).
        epsilon: the paper's "ε hat", added to sqrt(v).
        amsgrad: divide by the largest second moment so far (Reddi et al., 2018).
        **kwargs: ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` (see ``Optimizer``).
    """

    config_keys = ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = self._number("beta_1", beta_1, DECAY)
        self.beta_2 = self._number("beta_2", beta_2, DECAY)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)
        self.amsgrad = bool(amsgrad)

    def slot_names(self):
        return ("momentum", "velocity") + ("velocity_hat",) * self.amsgrad

    def update_step(self, w, g, state, t):
        m, v = state["momentum"], state["velocity"]
        f = w.dtype.type  # Keras casts lr, β and t to the variable's dtype
        beta_1_t = _as_keras_casts(self.beta_1, w) ** f(t)
        beta_2_t = _as_keras_casts(self.beta_2, w) ** f(t)
        # α = lr·sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)   (both bias corrections folded into the step size)
        alpha = f(self.learning_rate) * np.sqrt(1 - beta_2_t) / (1 - beta_1_t)
        # m ← m + (g − m)·(1 − β₁)
        tmp, step = self._scratch(w)
        np.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        # v ← v + (g² − v)·(1 − β₂)
        np.square(g, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        if self.amsgrad:
            # v̂ ← max(v̂, v), used in place of v
            v = np.maximum(state["velocity_hat"], v, out=state["velocity_hat"])
        # w ← w − α·m / (sqrt(v) + ε)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.multiply(m, alpha, out=step)
        step /= tmp
        w -= step
