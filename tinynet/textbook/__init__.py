"""The textbook form of every operation: loops or a paper's equations, derivation included.

Read these before the fast forms in ``tinynet/layers`` and ``tinynet/optimizers``: each
module here computes the same numbers the plain way (``tests/test_textbook.py`` holds the
two equal on random inputs). Suggested order:

1. ``dense``: ``y = x·W + b`` as index sums, and ``dW = xᵀ·dy``, ``db = Σ dy``, ``dx = dy·Wᵀ``.
2. ``activations``: each ``f`` and ``f'``; softmax through its full Jacobian.
3. ``softmax_ce``: cross-entropy after softmax, first through the Jacobian, then ``(p − t)/N``.
4. ``conv``: Conv2D forward and backward by loops over every output pixel.
5. ``pooling``: max-pool by loops, the gradient routed to each window's first maximum.
6. ``dropout``: the inverted-dropout mask.
7. ``optimizers``: SGD (momentum, Nesterov), RMSprop, Adagrad, Adadelta, Adam as published.

Everything needs NumPy only; nothing here is on a hot path.
"""

from tinynet.textbook import activations, conv, dense, dropout, optimizers, pooling, softmax_ce

__all__ = ["activations", "conv", "dense", "dropout", "optimizers", "pooling", "softmax_ce"]
