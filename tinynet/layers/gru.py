"""GRU: the gated recurrent unit (Cho et al. 2014), in Keras's gate order z, r, h."""

import numpy as np

from tinynet.layers.rnn import RNN, step_activation


class GRU(RNN):
    """A gated recurrent unit layer, as ``keras.layers.GRU``.

    Weights: ``kernel (D, 3u)`` and ``recurrent_kernel (u, 3u)``, with column blocks update
    gate z, reset gate r, candidate ĥ. With ``reset_after=True`` (Keras 3's default) the bias
    is ``(2, 3u)``: row 0 is added to ``x·W``, row 1 to ``h·U``, and the reset gate multiplies
    ``h·U_h + b_hh`` after the product. With ``reset_after=False`` (Keras ≤ 2.2's only mode)
    the bias is ``(3u,)`` and the reset gate multiplies ``h`` before it.

    Args:
        units: size of the state ``h``, a positive int.
        activation: for the candidate ĥ, ``tanh`` by default.
        recurrent_activation: for the gates z and r, ``sigmoid`` by default.
        reset_after: where the reset gate is applied (see above); ``True`` by default.
        **kwargs: see ``tinynet.layers.rnn.RNN``.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = step_activation(self, "recurrent_activation",
                                                    recurrent_activation)
        self.reset_after = bool(reset_after)

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _biases(self):
        """(b_x, b_h): the bias added to x·W and the one added to h·U (None if absent)."""
        bias = self.params.get("bias")
        if bias is None:
            return None, None
        return (bias[0], bias[1]) if self.reset_after else (bias, None)

    # zx = x_t·W + b_x   zh = h_{t−1}·U (+ b_h), each split into blocks [z r h]
    # z = σ(zx_z + zh_z)      r = σ(zx_r + zh_r)
    # reset_after:  ĥ = tanh(zx_h + r ⊙ zh_h)          else:  ĥ = tanh(zx_h + (r ⊙ h_{t−1})·U_h)
    # h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ      h_0 = 0
    def forward(self, x, training=False):
        self.xs = xs = self._sequence(x)
        n, steps = xs.shape[:2]
        u, U, sigma = self.units, self.params["recurrent_kernel"], self.recurrent_activation
        b_x, b_h = self._biases()
        zx = self._input_projection(xs, b_x)  # x_t·W + b_x, all t at once
        self.hs = hs = np.zeros((n, steps + 1, u), dtype=self.dtype)  # hs[:, t+1] = h_t
        self.gates_ = g = np.empty((n, steps, 3 * u), dtype=self.dtype)  # [z r ĥ] per t
        # what multiplies U_h in step t: zh_h (reset_after) or r ⊙ h_{t−1} (before)
        self.rec_h = np.empty((n, steps, u), dtype=self.dtype)
        for t in range(steps):
            h = hs[:, t]
            if self.reset_after:
                zh = h @ U if b_h is None else h @ U + b_h
            else:
                zh = h @ U[:, :2 * u]
            g[:, t, :2 * u] = sigma.forward(zx[:, t, :2 * u] + zh[:, :2 * u])  # z, r
            r = g[:, t, u:2 * u]
            if self.reset_after:
                self.rec_h[:, t] = zh[:, 2 * u:]
                a = zx[:, t, 2 * u:] + r * zh[:, 2 * u:]
            else:
                self.rec_h[:, t] = r * h
                a = zx[:, t, 2 * u:] + self.rec_h[:, t] @ U[:, 2 * u:]
            g[:, t, 2 * u:] = self.activation.forward(a)  # ĥ
            z, h_bar = g[:, t, :u], g[:, t, 2 * u:]
            hs[:, t + 1] = z * h + (1 - z) * h_bar
        return self._output(hs[:, 1:])

    # going back from t = T−1 to 0, with dh arriving from step t+1:
    #   dh_t = dy_t + dh_next     dz = dh_t ⊙ (h_{t−1} − ĥ)·σ'     da = dh_t ⊙ (1 − z)·tanh'
    #   reset_after: dr = da ⊙ zh_h·σ'   dzh = [dz  dr  da ⊙ r]    dh_next = dh_t ⊙ z + dzh·Uᵀ
    #   before:      d(r⊙h) = da·U_hᵀ     dr = d(r⊙h) ⊙ h_{t−1}·σ'
    #                dh_next = dh_t ⊙ z + d(r⊙h) ⊙ r + [dz dr]·U_zrᵀ
    # dzx = [dz dr da] feeds dW, b_x and dx; U's gradient pairs each block with what it multiplied
    def backward(self, dy):
        dhs = self._dy_per_step(dy)
        u, U, sigma = self.units, self.params["recurrent_kernel"], self.recurrent_activation
        g, hs = self.gates_, self.hs
        dzx = np.empty_like(g)  # ∂L/∂(x_t·W + b_x), all three blocks
        # reset_after: ∂L/∂(h_{t−1}·U + b_h) = [dz dr da⊙r]; before, U's blocks get dzx's
        dzh = np.empty_like(g) if self.reset_after else dzx
        dh_next = np.zeros_like(dhs[:, 0])  # ∂L/∂h_t through step t+1 (none after the last)
        for t in reversed(range(dhs.shape[1])):
            z, r, h_bar = self._blocks(g[:, t])
            h = hs[:, t]
            dh = dhs[:, t] + dh_next
            dzx[:, t, :u] = sigma.backward(dh * (h - h_bar), z)  # dz
            da = self.activation.backward(dh * (1 - z), h_bar)  # through ĥ = tanh(a)
            dzx[:, t, 2 * u:] = da
            if self.reset_after:
                dzx[:, t, u:2 * u] = sigma.backward(da * self.rec_h[:, t], r)  # dr
                dzh[:, t, :2 * u] = dzx[:, t, :2 * u]
                dzh[:, t, 2 * u:] = da * r
                dh_next = dh * z + dzh[:, t] @ U.T
            else:
                d_rh = da @ U[:, 2 * u:].T  # ∂L/∂(r ⊙ h_{t−1})
                dzx[:, t, u:2 * u] = sigma.backward(d_rh * h, r)  # dr
                dh_next = dh * z + d_rh * r + dzx[:, t, :2 * u] @ U[:, :2 * u].T
        self._weight_gradients(dzx, dzh)
        return self._input_gradient(dzx)

    def _weight_gradients(self, dzx, dzh):
        # summed over all steps and samples as matrix products, after the loop
        u = self.units
        dzx2, dzh2 = dzx.reshape(-1, 3 * u), dzh.reshape(-1, 3 * u)
        h_prev = self.hs[:, :-1].reshape(-1, u)
        self.grads["kernel"] = self.xs.reshape(-1, self.xs.shape[-1]).T @ dzx2
        if self.reset_after:  # every block of U multiplied h_{t−1}
            self.grads["recurrent_kernel"] = h_prev.T @ dzh2
        else:  # z and r blocks multiplied h_{t−1}; the ĥ block multiplied r ⊙ h_{t−1}
            self.grads["recurrent_kernel"] = np.concatenate(
                [h_prev.T @ dzh2[:, :2 * u], self.rec_h.reshape(-1, u).T @ dzh2[:, 2 * u:]],
                axis=1)
        if self.use_bias:
            db_x = dzx2.sum(axis=0)
            self.grads["bias"] = np.stack([db_x, dzh2.sum(axis=0)]) if self.reset_after else db_x

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation.name,
                "reset_after": self.reset_after}

