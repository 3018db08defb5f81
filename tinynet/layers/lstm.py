"""LSTM: long short-term memory (Hochreiter & Schmidhuber 1997), gates in Keras's order i f c o."""

import numpy as np

from tinynet import initializers
from tinynet.layers.rnn import RNN, step_activation


class LSTM(RNN):
    """A long short-term memory layer, as ``keras.layers.LSTM``.

    Weights: ``kernel (D, 4u)``, ``recurrent_kernel (u, 4u)`` and ``bias (4u,)``, each with
    four column blocks in Keras's order: input gate i, forget gate f, candidate c̃, output gate
    o. (PyTorch orders them i, f, g, o, transposes the matrices and keeps two biases.)

    Args:
        units: size of the states ``h`` and ``c``, a positive int.
        activation: for the candidate and for ``tanh(c_t)``; ``tanh`` by default.
        recurrent_activation: for the gates i, f, o; ``sigmoid`` by default (Keras ≤ 2.2 used
            ``hard_sigmoid``).
        unit_forget_bias: start the f block of the bias at 1 (the rest at
            ``bias_initializer``), so that the cell remembers by default (Jozefowicz et al.).
        **kwargs: see ``tinynet.layers.rnn.RNN``.
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = step_activation(self, "recurrent_activation",
                                                    recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def initial_bias(self):
        if not self.unit_forget_bias:
            return super().initial_bias()
        u, init = self.units, self.bias_initializer  # Keras: [init(u), ones(u), init(2u)]
        return np.concatenate([initializers.initialize(init, (u,), self.dtype),
                               np.ones(u, dtype=self.dtype),
                               initializers.initialize(init, (2 * u,), self.dtype)])

    # z_t = x_t·W + h_{t−1}·U + b, split into blocks [z_i z_f z_c z_o]
    # i = σ(z_i)  f = σ(z_f)  c̃ = tanh(z_c)  o = σ(z_o)
    # c_t = f ⊙ c_{t−1} + i ⊙ c̃      h_t = o ⊙ tanh(c_t)      h_0 = c_0 = 0
    def forward(self, x, training=False):
        self.xs = xs = self._sequence(x)
        n, steps = xs.shape[:2]
        u, U, sigma = self.units, self.params["recurrent_kernel"], self.recurrent_activation
        zx = self._input_projection(xs, self.params.get("bias"))  # x_t·W + b, all t at once
        self.hs = hs = np.zeros((n, steps + 1, u), dtype=self.dtype)  # hs[:, t+1] = h_t
        self.cs = cs = np.zeros((n, steps + 1, u), dtype=self.dtype)  # cs[:, t+1] = c_t
        self.gates_ = g = np.empty((n, steps, 4 * u), dtype=self.dtype)  # [i f c̃ o] per t
        self.tanh_c = np.empty((n, steps, u), dtype=self.dtype)
        for t in range(steps):
            z = zx[:, t] + hs[:, t] @ U
            g[:, t, :2 * u] = sigma.forward(z[:, :2 * u])  # i, f
            g[:, t, 2 * u:3 * u] = self.activation.forward(z[:, 2 * u:3 * u])  # c̃
            g[:, t, 3 * u:] = sigma.forward(z[:, 3 * u:])  # o
            i, f, c_bar, o = self._blocks(g[:, t])
            cs[:, t + 1] = f * cs[:, t] + i * c_bar
            self.tanh_c[:, t] = self.activation.forward(cs[:, t + 1])
            hs[:, t + 1] = o * self.tanh_c[:, t]
        return self._output(hs[:, 1:])

    # going back from t = T−1 to 0, with dh and dc arriving from step t+1:
    #   dh_t = dy_t + dh_next              dc_t = dc_next + dh_t ⊙ o ⊙ tanh'(c_t)
    #   do = dh_t ⊙ tanh(c_t)   di = dc_t ⊙ c̃   df = dc_t ⊙ c_{t−1}   dc̃ = dc_t ⊙ i
    #   dz = [di·σ'  df·σ'  dc̃·tanh'  do·σ']     dh_next = dz·Uᵀ      dc_next = dc_t ⊙ f
    # dW = Σ_t x_tᵀ·dz_t    dU = Σ_t h_{t−1}ᵀ·dz_t    db = Σ_t Σ_batch dz_t    dx_t = dz_t·Wᵀ
    def backward(self, dy):
        dhs = self._dy_per_step(dy)
        u, U, sigma = self.units, self.params["recurrent_kernel"], self.recurrent_activation
        g, cs = self.gates_, self.cs
        dz = np.empty_like(g)
        dh_next = np.zeros_like(dhs[:, 0])  # ∂L/∂h_t through step t+1 (none after the last)
        dc_next = np.zeros_like(dhs[:, 0])  # ∂L/∂c_t through step t+1
        for t in reversed(range(dhs.shape[1])):
            i, f, c_bar, o = self._blocks(g[:, t])
            dh = dhs[:, t] + dh_next
            dc = dc_next + self.activation.backward(dh * o, self.tanh_c[:, t])
            dz[:, t, :u] = sigma.backward(dc * c_bar, i)  # di
            dz[:, t, u:2 * u] = sigma.backward(dc * cs[:, t], f)  # df
            dz[:, t, 2 * u:3 * u] = self.activation.backward(dc * i, c_bar)  # dc̃
            dz[:, t, 3 * u:] = sigma.backward(dh * self.tanh_c[:, t], o)  # do
            dh_next = dz[:, t] @ U.T
            dc_next = dc * f
        self._weight_gradients(dz)
        return self._input_gradient(dz)

    def _weight_gradients(self, dz):
        # summed over all steps and samples as two matrix products, after the loop
        dz2 = dz.reshape(-1, 4 * self.units)
        self.grads["kernel"] = self.xs.reshape(-1, self.xs.shape[-1]).T @ dz2
        self.grads["recurrent_kernel"] = self.hs[:, :-1].reshape(-1, self.units).T @ dz2
        if self.use_bias:
            self.grads["bias"] = dz2.sum(axis=0)

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation.name,
                "unit_forget_bias": self.unit_forget_bias}
