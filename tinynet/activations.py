"""Activation functions and their derivatives, each written in terms of its output ``y``.

GELU and Swish cannot be differentiated from ``y`` alone, so their forward keeps ``z`` or ``σ(z)``.
Textbook twin of linear, ReLU, sigmoid, tanh and softmax (each ``f'`` derived from ``f``, softmax
through its full Jacobian): ``tinynet/textbook/activations.py``.
"""

import math

import numpy as np

from tinynet import utils


class Linear:
    name = "linear"

    # y = z
    def forward(self, z):
        return z

    # dz = dy
    def backward(self, dy, y):
        return dy


class ReLU:
    name = "relu"

    # y = max(0, z)
    def forward(self, z):
        return np.maximum(z, 0)

    # dz = dy · [y > 0]   (the kink at 0 gets slope 0, as in TF)
    def backward(self, dy, y):
        return dy * (y > 0)


class Sigmoid:
    name = "sigmoid"

    # y = 1 / (1 + e^−z). Below z ≈ −88.7 (float32) e^−z overflows to inf and 1/inf = 0, which
    # is σ(z) correctly rounded, so the overflow is expected and silenced; no cancellation
    # anywhere, and four in-place passes (this runs 3 times per LSTM step)
    def forward(self, z):
        y = np.negative(z)
        with np.errstate(over="ignore"):
            np.exp(y, out=y)
        y += 1
        return np.reciprocal(y, out=y)

    # dz = dy · y(1 − y)
    def backward(self, dy, y):
        return dy * y * (1 - y)


class Tanh:
    name = "tanh"

    # y = tanh z
    def forward(self, z):
        return np.tanh(z)

    # dz = dy · (1 − y²)
    def backward(self, dy, y):
        return dy * (1 - y * y)


class Softmax:
    name = "softmax"

    # y_i = e^(z_i − max z) / Σ_j e^(z_j − max z)   (shifting by max z keeps exp finite)
    def forward(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    # dz = y ⊙ (dy − Σ_j dy_j·y_j)   (the Jacobian-vector product of softmax)
    def backward(self, dy, y):
        return y * (dy - (dy * y).sum(axis=-1, keepdims=True))


# -- the activations that replaced sigmoid (each as Keras 3 and TF compute it) -------------
class LeakyReLU:
    name = "leaky_relu"
    # Keras's default for the name; TF's LeakyRelu holds it as a float32 attribute, so even in
    # float64 the slope is 0.2000000029802322
    negative_slope = float(np.float32(0.2))

    # y = z if z > 0 else 0.2·z
    def forward(self, z):
        return np.where(z > 0, z, self.negative_slope * z)

    # dz = dy · (1 if y > 0 else 0.2)   (y > 0 exactly when z > 0; at 0 the slope is 0.2, as TF)
    def backward(self, dy, y):
        return dy * np.where(y > 0, 1, self.negative_slope).astype(dy.dtype, copy=False)


class ELU:
    name = "elu"

    # y = z if z > 0 else e^z − 1   (expm1 keeps the digits of e^z − 1 for small |z|)
    def forward(self, z):
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))

    # dz = dy · (1 if y ≥ 0 else e^z = y + 1)
    def backward(self, dy, y):
        return dy * np.where(y < 0, y + 1, 1)


class SELU:
    name = "selu"
    alpha = 1.6732632423543772848170429916717  # Klambauer et al. 2017, as TF's Selu kernel
    scale = 1.0507009873554804934193349852946

    # y = λ·z if z > 0 else λα·(e^z − 1)
    def forward(self, z):
        return self.scale * np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    # dz = dy · (λ if y ≥ 0 else λα·e^z = y + λα)
    def backward(self, dy, y):
        return dy * np.where(y < 0, y + self.scale * self.alpha, self.scale)


class GELU:
    """Keras's default ``'gelu'`` is the exact form (``approximate=False``), through erf."""

    name = "gelu"
    keeps_input = True  # backward reads the z of the last forward, not only y
    _erfc = staticmethod(np.vectorize(math.erfc, otypes=[np.float64]))  # NumPy has no erf
    # 1/√2 as TF's gelu uses it: cast from a float32 tensor, so 0.7071067690849304 even in
    # float64 (the same trap as Adam's betas; 1e-9 relative)
    c = float(np.float32(1 / math.sqrt(2)))

    # y = z·Φ(z),  Φ(z) = ½·(1 + erf(c·z)) = ½·erfc(−c·z), the standard normal CDF
    # (erfc, as TF: 1 + erf(c·z) cancels to no digits at all for z ≪ 0)
    def forward(self, z):
        self.z = z  # Φ'(z) needs z, not only y: keep both
        self.cdf = (0.5 * self._erfc(-self.c * z)).astype(z.dtype, copy=False)
        return z * self.cdf

    # dz = dy · (Φ(z) + z·φ(z)),  φ(z) = Φ'(z) = (c/√π)·e^(−c²z²) = e^(−z²/2)/√(2π)
    def backward(self, dy, y):
        pdf = self.c / math.sqrt(math.pi) * np.exp(-np.square(self.c * self.z))
        return dy * (self.cdf + self.z * pdf)


class Softplus:
    name = "softplus"

    # y = ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|)   (the second form never overflows)
    def forward(self, z):
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))

    # dz = dy · σ(z) = dy · (1 − e^−y)
    def backward(self, dy, y):
        return dy * -np.expm1(-y)


class Swish:
    """``swish`` and ``silu`` are one function; Keras names it ``silu`` in configs."""

    name = "silu"
    keeps_input = True  # backward reads the σ(z) of the last forward, not only y

    # y = z·σ(z)
    def forward(self, z):
        self.s = Sigmoid().forward(z)  # σ(z), for backward
        return z * self.s

    # dz = dy · (σ + z·σ·(1 − σ)) = dy · (σ + y·(1 − σ))
    def backward(self, dy, y):
        return dy * (self.s + y * (1 - self.s))


class HardSigmoid:
    """Keras 3's form, ``relu6(z + 3) / 6``; Keras 2 used ``clip(0.2·z + 0.5, 0, 1)``."""

    name = "hard_sigmoid"

    # y = min(max(z + 3, 0), 6) / 6
    def forward(self, z):
        return np.clip(z + 3, 0, 6) / 6

    # dz = dy / 6 where 0 < y < 1, else 0   (slope 0 at the corners z = ±3, as TF's Relu6Grad)
    def backward(self, dy, y):
        return dy * ((y > 0) & (y < 1)) / 6


ACTIVATIONS = {cls.name: cls for cls in (Linear, ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, ELU,
                                         SELU, GELU, Softplus, Swish, HardSigmoid)}
ACTIVATIONS["swish"] = Swish  # Keras's alias


def get(name):
    """An activation by name (``None`` means linear); the error lists the valid names."""
    if name is None:
        return Linear()
    if isinstance(name, tuple(ACTIVATIONS.values())):
        return type(name)()  # a fresh one: GELU and Swish cache per layer
    return utils.lookup("activation", name, ACTIVATIONS)()
