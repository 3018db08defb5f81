"""Activation functions and their derivatives, each written in terms of its output ``y``."""

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

    # y = 1 / (1 + e^-z), split by sign so that exp never overflows
    def forward(self, z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)

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


ACTIVATIONS = {cls.name: cls for cls in (Linear, ReLU, Sigmoid, Tanh, Softmax)}


def get(name):
    """An activation by name (``None`` means linear); the error lists the valid names."""
    if name is None:
        return Linear()
    if isinstance(name, tuple(ACTIVATIONS.values())):
        return name
    return utils.lookup("activation", name, ACTIVATIONS)()
