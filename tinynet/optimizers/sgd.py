"""SGD: stochastic gradient descent, with optional (Nesterov) momentum."""


from tinynet.optimizers.base import MOMENTUM, Optimizer, _as_keras_casts


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as ``keras.optimizers.SGD``.

    Algorithm (Polyak, 1964; Sutskever et al., 2013), step size η, momentum μ::

        plain:     w ← w − η·∇f(w)
        momentum:  v ← μ·v − η·∇f(w)            w ← w + v
        Nesterov:  v ← μ·v − η·∇f(w + μ·v)      w ← w + v

    Keras stores Nesterov's look-ahead point ``w + μ·v`` as the weights, which turns the
    step into ``w ← w + μ·v − η·g`` with ``g`` taken at the weights (Bengio et al., 2013).
    Textbook twin: ``sgd``, ``momentum``, ``nesterov`` in ``tinynet/textbook/optimizers.py``.

    Args:
        learning_rate: the step size.
        momentum: velocity decay μ in [0, 1]; 0 is plain gradient descent.
        nesterov: apply the momentum step once more, looking ahead (Nesterov, 1983).
        **kwargs: ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` (see ``Optimizer``).
    """

    config_keys = ("learning_rate", "momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = self._number("momentum", momentum, MOMENTUM)
        self.nesterov = bool(nesterov)

    def slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, w, g, state, t):
        step = g * self.learning_rate
        if self.momentum == 0:
            # w ← w − lr·g
            w -= step
            return
        m, mu = state["momentum"], _as_keras_casts(self.momentum, w)
        # m ← μ·m − lr·g
        m *= mu
        m -= step
        if self.nesterov:
            # w ← w + μ·m − lr·g
            w += m * mu - step
        else:
            # w ← w + m
            w += m
