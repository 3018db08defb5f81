"""Small helpers shared by the library: naming, seeding and argument checks."""

import random
import re

import numpy as np

_uids = {}
_rng = np.random.default_rng()


def unique_name(base):
    """Keras's naming: the first ``dense`` is ``dense``, then ``dense_1``, ``dense_2``..."""
    n = _uids.get(base, 0)
    _uids[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def clear_session():
    """Reset the layer-name counters, as ``keras.backend.clear_session()`` does."""
    _uids.clear()


def snake_case(name):
    """``MaxPooling2D`` → ``max_pooling2d``, matching Keras's default layer names."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def set_random_seed(seed):
    """Seed tinynet's generator (initializers, shuffling, dropout) and Python's ``random``."""
    global _rng
    _rng = np.random.default_rng(seed)
    random.seed(seed)


def rng():
    """The generator every random draw in tinynet goes through."""
    return _rng


def lookup(kind, name, table):
    """``table[name]`` or a ``ValueError`` that lists the valid names."""
    if isinstance(name, str):
        key = name.lower()
        if key in table:
            return table[key]
    raise ValueError(
        f"Unknown {kind} {name!r}. Valid {kind}s: {', '.join(sorted(table))}."
    )


def pair(value, what, owner):
    """Normalise an int or 2-tuple argument (kernel, stride, pool) and check it is positive."""
    pair_ = (value, value) if not isinstance(value, tuple | list) else tuple(value)
    if len(pair_) != 2 or any(isinstance(v, bool) or not isinstance(v, int | np.integer)
                              or v <= 0 for v in pair_):
        raise ValueError(f"{owner}: {what} must be a positive int or a pair of them, got "
                         f"{value!r}. Pass e.g. {what}=3 or {what}=(3, 3).")
    return int(pair_[0]), int(pair_[1])
