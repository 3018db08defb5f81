"""BatchNormalization: normalize each channel by its batch mean and variance, then scale, shift.

The backward pass, per channel, over the N values that share one μ and σ² (the batch, and for
images every pixel too), with s = 1/√(σ² + ε):

    forward                          backward (dy given; dx̂ = γ·dy)
    μ  = (1/N)·Σ x                   dβ  = Σ dy            dγ = Σ dy·x̂
    σ² = (1/N)·Σ (x − μ)²            dσ² = Σ dx̂·(x − μ) · (−½)·s³
    x̂  = (x − μ)·s                   dμ  = −s·Σ dx̂ + dσ²·(−2/N)·Σ (x − μ)      (the last Σ is 0)
    y  = γ·x̂ + β                     dx  = s·dx̂ + dσ²·2(x − μ)/N + dμ/N

Substituting dσ² and dμ into dx, and (x − μ)·s = x̂, gives the form ``backward`` uses:

    dx = s · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))

``backward_steps`` is the step-by-step form above; the tests hold the two equal. Why a test with
an all-ones upstream gradient (L = Σ y) is blind: x̂ sums to 0 over the N values whatever x is,
so Σ y = N·β does not depend on x and the true dx (and dγ = Σ x̂) is exactly 0; with dx̂ constant
the dσ² term vanishes as well, so a backward that leaves it out still returns 0 and passes.
"""

import numpy as np

from tinynet.layers.base import Layer


class BatchNormalization(Layer):
    """Batch normalization, as ``keras.layers.BatchNormalization`` (Ioffe and Szegedy, 2015).

    Training mode (batch statistics, moving statistics updated) runs only when ``training`` is
    true *and* the layer is trainable, as in Keras 3: a frozen BN (``trainable = False``)
    normalizes with its moving statistics even inside ``fit``. Weights, in Keras's order:
    ``[gamma, beta, moving_mean, moving_variance]`` (gamma or beta left out when ``scale`` or
    ``center`` is off); the moving statistics are non-trainable (``self.state``).

    Args:
        axis: the channel axis of the whole input, batch axis included: ``-1`` for Dense
            outputs ``(N, C)`` and NHWC images ``(N, H, W, C)``. Statistics are taken over
            every other axis.
        momentum: ``moving = moving·momentum + batch statistic·(1 − momentum)``.
        epsilon: added to the variance before the square root.
        center: learn a shift ``beta`` (otherwise β = 0).
        scale: learn a scale ``gamma`` (otherwise γ = 1).
        **kwargs: ``name``, ``dtype``, ``input_shape``, ``trainable``.
    """

    mixes_batch = True  # in training, each output depends on the whole batch's μ and σ²

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
            raise ValueError(f"{self.name}: axis must be an int, got {axis!r}.")
        for what, value, expected, ok in (("momentum", momentum, "in [0, 1]", lambda v: v <= 1),
                                          ("epsilon", epsilon, "> 0", lambda v: v > 0)):
            if (isinstance(value, bool) or not isinstance(value, int | float | np.floating)
                    or not 0 <= value < np.inf or not ok(value)):
                raise ValueError(f"{self.name}: {what} must be a number {expected}, "
                                 f"got {value!r}.")
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)

    def build(self, input_shape):
        rank = len(input_shape) + 1  # with the batch axis
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"{self.name}: axis={self.axis} is not a feature axis of inputs of shape "
                f"(batch, {', '.join(map(str, input_shape))}). Use -1 for the last axis.")
        axis = self.axis % rank
        channels = input_shape[axis - 1]
        self.reduce = tuple(i for i in range(rank) if i != axis)  # N·H·W values per channel
        self.bshape = tuple(channels if i == axis else 1 for i in range(rank))  # broadcastable
        if self.scale:
            self.params["gamma"] = np.ones(channels, dtype=self.dtype)
        if self.center:
            self.params["beta"] = np.zeros(channels, dtype=self.dtype)
        self.state["moving_mean"] = np.zeros(channels, dtype=self.dtype)
        self.state["moving_variance"] = np.ones(channels, dtype=self.dtype)
        super().build(input_shape)

    # training:  μ, σ² of the batch (biased σ²);  moving ← moving·m + stat·(1 − m)
    # inference: μ, σ² = the moving statistics
    # x̂ = (x − μ)/√(σ² + ε)      y = γ·x̂ + β
    def forward(self, x, training=False):
        x = self._prepare(x)
        self.batch_stats = bool(training) and self.trainable
        if self.batch_stats:
            mean = x.mean(axis=self.reduce)
            self.xc = x - mean.reshape(self.bshape)  # two passes: exact even when |μ| ≫ σ
            variance = np.mean(self.xc * self.xc, axis=self.reduce)
            for key, stat in (("moving_mean", mean), ("moving_variance", variance)):
                moving = self.state[key]
                moving[...] = moving * self.momentum + stat * (1.0 - self.momentum)
        else:
            mean, variance = self.state["moving_mean"], self.state["moving_variance"]
            self.xc = x - mean.reshape(self.bshape)
        self.inv_std = (1.0 / np.sqrt(variance + self.epsilon)).reshape(self.bshape)
        self.x_hat = self.xc * self.inv_std
        y = self.x_hat
        if self.scale:
            y = y * self.params["gamma"].reshape(self.bshape)
        if self.center:
            y = y + self.params["beta"].reshape(self.bshape)
        return y

    # dβ = Σ dy     dγ = Σ dy·x̂     dx̂ = γ·dy
    def _param_grads(self, dy):
        dy = np.asarray(dy, dtype=self.dtype)
        if self.scale:  # grads in the order of params: gamma, then beta
            self.grads["gamma"] = (dy * self.x_hat).sum(axis=self.reduce)
        if self.center:
            self.grads["beta"] = dy.sum(axis=self.reduce)
        return dy * self.params["gamma"].reshape(self.bshape) if self.scale else dy

    # training:  dx = s·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))      inference: dx = s·dx̂
    def backward(self, dy):
        dx_hat = self._param_grads(dy)
        if not self.compute_dx:
            return None
        if not self.batch_stats:  # μ and σ² are constants: the layer is affine in x
            return dx_hat * self.inv_std
        mean_dx_hat = dx_hat.mean(axis=self.reduce, keepdims=True)
        mean_dx_hat_x_hat = (dx_hat * self.x_hat).mean(axis=self.reduce, keepdims=True)
        return self.inv_std * (dx_hat - mean_dx_hat - self.x_hat * mean_dx_hat_x_hat)

    # the textbook form, one chain-rule step per line (see the module docstring)
    def backward_steps(self, dy):
        """``backward`` derived step by step through σ² and μ; slower, the same numbers."""
        dx_hat = self._param_grads(dy)
        s, xc = self.inv_std, self.xc
        if not self.batch_stats:
            return dx_hat * s
        n = xc.size // s.size
        dvar = np.sum(dx_hat * xc, axis=self.reduce, keepdims=True) * -0.5 * s**3
        dmean = (-s * np.sum(dx_hat, axis=self.reduce, keepdims=True)
                 + dvar * -2.0 / n * np.sum(xc, axis=self.reduce, keepdims=True))
        return s * dx_hat + dvar * 2.0 * xc / n + dmean / n

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}
