"""Checks on user data, run once before training so that bad input fails early and clearly."""

import numpy as np


def check_x(x, input_shape, dtype, where):
    """``x`` as an array of ``dtype``: numeric, non-empty, finite, with the model's sample shape."""
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(
            f"{where}: x must be a numeric array, got dtype {x.dtype}. "
            "Convert it with np.asarray(x, dtype='float32')."
        )
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"{where}: x is empty (shape {x.shape}); pass at least one sample.")
    if input_shape is not None and x.shape[1:] != tuple(input_shape):
        raise ValueError(
            f"{where}: each sample of x must have shape {tuple(input_shape)}, got {x.shape[1:]} "
            f"(x.shape = {x.shape}). Reshape x, e.g. x.reshape(len(x), "
            f"{', '.join(map(str, input_shape))})."
        )
    x = x.astype(dtype, copy=False)
    if not np.isfinite(x).all():
        raise ValueError(
            f"{where}: x contains NaN or inf at {int((~np.isfinite(x)).sum())} entries. "
            "Clean or impute them first."
        )
    return x


def check_xy(x, y, where):
    """``y`` as an array with as many samples as ``x``."""
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise TypeError(
            f"{where}: y must be a numeric array, got dtype {y.dtype}. "
            "Convert labels to integers or floats first."
        )
    if y.ndim == 0 or len(y) != len(x):
        raise ValueError(
            f"{where}: x and y must have the same number of samples, got {len(x)} and "
            f"{len(y) if y.ndim else 'a scalar'}. Check that they are aligned."
        )
    return y


def check_batch_size(batch_size, where):
    if not isinstance(batch_size, int | np.integer) or batch_size <= 0:
        raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size!r}.")
    return int(batch_size)
