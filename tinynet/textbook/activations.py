"""Each activation ``y = f(z)`` as its definition, and ``dz = f'(z) ⊙ dy`` derived from it.

An activation acts on each entry alone (softmax excepted), so its Jacobian is diagonal and
the chain rule is an elementwise product: ``dz = f'(z) ⊙ dy``. The derivatives:

- linear ``f(z) = z``:  ``f' = 1``.
- ReLU ``f(z) = max(0, z)``:  ``f' = 1`` for ``z > 0``, ``0`` for ``z < 0``; at the kink
  ``z = 0`` it is undefined, and TF (and tinynet) use ``0``.
- sigmoid ``σ(z) = 1 / (1 + e^−z)``:  ``σ' = e^−z / (1 + e^−z)² = σ(z)·(1 − σ(z))``.
- tanh ``= (e^z − e^−z) / (e^z + e^−z)``:  quotient rule, ``tanh' = 1 − tanh²(z)``.
- softmax ``p_i = e^z_i / Σ_k e^z_k`` mixes a row: ``∂p_i/∂z_k = p_i·(δ_ik − p_k)``, the
  Jacobian ``J = diag(p) − p·pᵀ``, and ``dz = Jᵀ·dy`` for each row (see ``softmax_backward``).

Fast form: ``tinynet/activations.py``, which writes each ``f'`` in terms of the output ``y``
(so backward reuses what forward computed) and keeps ``exp`` from overflowing.
"""

import numpy as np


def linear(z):
    return z


# dz = dy · 1
def linear_backward(dy, z):
    return dy


# y = max(0, z)
def relu(z):
    return np.where(z > 0, z, 0.0)


# dz = dy · [z > 0]
def relu_backward(dy, z):
    return dy * np.where(z > 0, 1.0, 0.0)


# y = 1 / (1 + e^−z)   (e^−z overflows for z < −709 in float64: the fast form splits by sign)
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# dz = dy · σ(z)·(1 − σ(z))
def sigmoid_backward(dy, z):
    s = sigmoid(z)
    return dy * s * (1 - s)


# y = (e^z − e^−z) / (e^z + e^−z)
def tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


# dz = dy · (1 − tanh²(z))
def tanh_backward(dy, z):
    return dy * (1 - tanh(z) ** 2)


# p_i = e^z_i / Σ_k e^z_k, row by row (the fast form subtracts max z first: same p, no overflow)
def softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# J[i, k] = ∂p_i/∂z_k = p_i·(δ_ik − p_k)
def softmax_jacobian(p):
    """The ``C × C`` Jacobian of softmax at one row of probabilities ``p``."""
    C = len(p)
    J = np.zeros((C, C))
    for i in range(C):
        for k in range(C):
            J[i, k] = p[i] * ((1.0 if i == k else 0.0) - p[k])
    return J


def softmax_backward(dy, z):
    """``dz = Jᵀ·dy`` for each row, through the full Jacobian.

    Multiplying out gives the fast form's shortcut, with no ``C × C`` matrix built:
    ``dz_k = Σ_i dy_i·p_i·(δ_ik − p_k) = p_k·dy_k − p_k·Σ_i dy_i·p_i = p_k·(dy_k − Σ_i dy_i·p_i)``.
    """
    p = softmax(z)
    dz = np.zeros(z.shape)
    for n in range(len(z)):
        dz[n] = softmax_jacobian(p[n]).T @ dy[n]
    return dz


FUNCTIONS = {"linear": (linear, linear_backward), "relu": (relu, relu_backward),
             "sigmoid": (sigmoid, sigmoid_backward), "tanh": (tanh, tanh_backward),
             "softmax": (softmax, softmax_backward)}
