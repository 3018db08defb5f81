"""SimpleRNN: the plain recurrent layer ``h_t = tanh(x_t·W + h_{t−1}·U + b)``."""

import numpy as np

from tinynet.layers.rnn import RNN


class SimpleRNN(RNN):
    """A fully connected recurrent layer, as ``keras.layers.SimpleRNN``.

    Weights: ``kernel (D, u)``, ``recurrent_kernel (u, u)``, ``bias (u,)``.

    Args:
        units: size of the state and output, a positive int.
        activation: ``f`` in ``h_t = f(x_t·W + h_{t−1}·U + b)``, ``tanh`` by default.
        **kwargs: see ``tinynet.layers.rnn.RNN``.
    """

    gates = 1

    # a_t = x_t·W + b + h_{t−1}·U      h_t = f(a_t)      h_0 = 0
    def forward(self, x, training=False):
        self.xs = xs = self._sequence(x)
        n, steps = xs.shape[:2]
        U = self.params["recurrent_kernel"]
        zx = self._input_projection(xs, self.params.get("bias"))  # x_t·W + b, all t at once
        self.hs = hs = np.zeros((n, steps + 1, self.units), dtype=self.dtype)  # hs[:, t+1] = h_t
        for t in range(steps):
            hs[:, t + 1] = self.activation.forward(zx[:, t] + hs[:, t] @ U)
        return self._output(hs[:, 1:])

    # dh_t = dy_t + dh_{t+1}→t      da_t = f'(a_t) ⊙ dh_t      dh_{t−1}←t = da_t·Uᵀ
    # dW = Σ_t x_tᵀ·da_t     dU = Σ_t h_{t−1}ᵀ·da_t     db = Σ_t Σ_batch da_t     dx_t = da_t·Wᵀ
    def backward(self, dy):
        dhs = self._dy_per_step(dy)
        hs, U = self.hs, self.params["recurrent_kernel"]
        da = np.empty_like(dhs)
        dh_next = np.zeros_like(dhs[:, 0])  # ∂L/∂h_t through step t+1; nothing after the last
        for t in reversed(range(dhs.shape[1])):
            dh = dhs[:, t] + dh_next  # h_t feeds the output at t and the step t+1
            da[:, t] = self.activation.backward(dh, hs[:, t + 1])
            dh_next = da[:, t] @ U.T
        self._weight_gradients(da)
        return self._input_gradient(da)

    def _weight_gradients(self, da):
        # summed over all steps and samples as two matrix products, after the loop
        da2 = da.reshape(-1, self.units)
        self.grads["kernel"] = self.xs.reshape(-1, self.xs.shape[-1]).T @ da2
        self.grads["recurrent_kernel"] = self.hs[:, :-1].reshape(-1, self.units).T @ da2
        if self.use_bias:
            self.grads["bias"] = da2.sum(axis=0)
