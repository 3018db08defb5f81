"""Each optimizer in its paper's equations, one step per call, returning new arrays.

``g`` is the gradient of the loss at ``w``; ``t`` counts steps from 1. The fast forms in
``tinynet/optimizers/`` follow Keras, which rearranges some of these; each function says how,
and ``tests/test_textbook.py`` checks that the two produce the same weights.
"""

import numpy as np


# w ← w − η·g
def sgd(w, g, lr):
    """Plain gradient descent (Robbins & Monro, 1951)."""
    return w - lr * g


# v ← μ·v − η·g      w ← w + v
def momentum(w, v, g, lr, mu):
    """Classical momentum (Polyak, 1964; Sutskever et al., 2013, eq. 1–2): ``(w, v)``.

    Keras: the same equations (``SGD(momentum=μ)``).
    """
    v = mu * v - lr * g
    return w + v, v


# v ← μ·v − η·∇f(w + μ·v)      w ← w + v
def nesterov(w, v, grad_at, lr, mu):
    """Nesterov's accelerated gradient (Sutskever et al., 2013, eq. 3–4): ``(w, v)``.

    The gradient is taken at the look-ahead point ``w + μ·v``, so this form needs the
    function ``grad_at(point)``. Keras (after Bengio et al., 2013) stores the look-ahead
    point ``W = w + μ·v`` as the weights instead, which turns the step into
    ``v ← μ·v − η·g``, ``W ← W + μ·v − η·g`` with ``g = ∇f(W)``, the gradient at its weights.
    """
    v = mu * v - lr * grad_at(w + mu * v)
    return w + v, v


# E[g²] ← ρ·E[g²] + (1 − ρ)·g²      w ← w − η·g / sqrt(E[g²] + ε)
def rmsprop(w, eg2, g, lr, rho, eps):
    """RMSprop (Hinton, Coursera lecture 6e, 2012): ``(w, E[g²])``.

    The lecture divides by ``sqrt(E[g²])``; Keras adds ε inside the root, as here.
    """
    eg2 = rho * eg2 + (1 - rho) * g**2
    return w - lr * g / np.sqrt(eg2 + eps), eg2


# n ← ρ·n + (1 − ρ)·g²   ḡ ← ρ·ḡ + (1 − ρ)·g   Δ ← μ·Δ − η·g / sqrt(n − ḡ² + ε)   w ← w + Δ
def rmsprop_graves(w, n, g_mean, delta, g, lr, rho, mu, eps, centered=True):
    """RMSprop with momentum, centered (Graves, 2013, eq. 38–41): ``(w, n, ḡ, Δ)``.

    ``n − ḡ²`` estimates the gradient's variance. Keras (``centered=True, momentum=μ``)
    keeps ``m = −Δ`` and subtracts it, ``w ← w − m``; ``centered=False`` drops the ``ḡ²``.
    """
    n = rho * n + (1 - rho) * g**2
    if centered:
        g_mean = rho * g_mean + (1 - rho) * g
    delta = mu * delta - lr * g / np.sqrt(n - g_mean**2 * centered + eps)
    return w + delta, n, g_mean, delta


# G ← G + g²      w ← w − η·g / (δ + sqrt(G))
def adagrad(w, G, g, lr, delta):
    """Adagrad (Duchi, Hazan & Singer, 2011, diagonal form): ``(w, G)``.

    Keras starts ``G`` at 0.1 instead of 0 and puts its ε inside the root:
    ``w ← w − η·g / sqrt(G + ε)``. With ``δ = ε = 0`` the two are the same.
    """
    G = G + g**2
    return w - lr * g / (delta + np.sqrt(G)), G


# E[g²] ← ρ·E[g²] + (1 − ρ)·g²   Δx = −RMS[Δx]·g / RMS[g]   E[Δx²] ← ρ·E[Δx²] + (1 − ρ)·Δx²
def adadelta(w, eg2, edx2, g, rho, eps, lr=1.0):
    """Adadelta (Zeiler, 2012, Algorithm 1), ``RMS[a] = sqrt(E[a²] + ε)``: ``(w, E[g²], E[Δx²])``.

    The paper has no learning rate: ``x ← x + Δx``. Keras multiplies the step by one,
    ``w ← w + η·Δx`` (default 0.001); ``lr=1.0`` is the paper.
    """
    eg2 = rho * eg2 + (1 - rho) * g**2
    dx = -np.sqrt(edx2 + eps) * g / np.sqrt(eg2 + eps)
    edx2 = rho * edx2 + (1 - rho) * dx**2
    return w + lr * dx, eg2, edx2


# m ← β₁·m + (1 − β₁)·g   v ← β₂·v + (1 − β₂)·g²   m̂ = m/(1 − β₁ᵗ)   v̂ = v/(1 − β₂ᵗ)
# w ← w − η·m̂ / (sqrt(v̂) + ε)
def adam(w, m, v, g, t, lr, beta_1, beta_2, eps, v_max=None):
    """Adam (Kingma & Ba, 2014, Algorithm 1): ``(w, m, v, v_max)``.

    Keras folds both bias corrections into the step size, ``α = η·sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ)``,
    and steps ``w ← w − α·m / (sqrt(v) + ε̂)``, the paper's own rearrangement (end of its
    section 2): Keras's epsilon is that ε̂, which is the paper's ``ε = ε̂ / sqrt(1 − β₂ᵗ)``
    in the lines here, so the two differ only in ε's scale. Give ``v_max`` (zeros at first)
    for AMSGrad (Reddi et al., 2018): ``v`` is replaced by its running maximum. Reddi et
    al. drop the bias corrections; Keras keeps them, as here.
    """
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    if v_max is not None:
        v_max = np.maximum(v_max, v)
    m_hat = m / (1 - beta_1**t)
    v_hat = (v if v_max is None else v_max) / (1 - beta_2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max
