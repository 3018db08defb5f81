"""Checks on user data and arguments, run before any work so that bad input fails early and clearly.

Every message says what was wrong and how to fix it; nothing here changes a weight.
"""

import numbers
import os

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)


class ArgumentError(TypeError, ValueError):
    """An argument of the wrong type (``Dense(True)``, ``epochs=2.5``): a ``TypeError``, and a
    ``ValueError`` too, so code that caught tinynet's earlier ``ValueError`` still does."""


# -- arguments ---------------------------------------------------------------------------
def check_int(value, what, minimum=None, example=None, none_ok=False):
    """``value`` as a Python int, refusing bools, floats and strings (``Dense(True)``, ``2.5``).

    Args:
        value: the argument to check.
        what: how the message names it, e.g. ``"fit: epochs"``.
        minimum: the smallest allowed value, or None.
        example: a valid call for the message, e.g. ``"epochs=10"``.
        none_ok: say in the message that None is allowed too (the caller handles None).
    """
    fix = f" Pass e.g. {example}." if example else ""
    rule = ("an int" if minimum is None else "a positive int" if minimum == 1
            else f"an int >= {minimum}") + (" or None" if none_ok else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentError(f"{what} must be {rule}, got {value!r} (a {type(value).__name__})."
                            f"{fix}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be {rule}, got {value}.{fix}")
    return int(value)


def check_positive_int(value, what, example=None):
    """``value`` as an int >= 1 (units, filters, batch sizes, epochs)."""
    return check_int(value, what, minimum=1, example=example)


def check_number(value, what, low=None, high=None, example=None, high_open=False):
    """``value`` as a finite float, refusing bools and strings; within ``[low, high]`` if given
    (``[low, high)`` with ``high_open``)."""
    fix = f" Pass e.g. {example}." if example else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(float(value)):
        raise ArgumentError(f"{what} must be a finite number, got {value!r} of type "
                        f"{type(value).__name__}.{fix}")
    value = float(value)
    above = value >= high if high_open else value > high if high is not None else False
    if (low is not None and value < low) or (high is not None and above):
        interval = f"[{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{what} must be in {interval}, got {value}.{fix}")
    return value


def check_bool(value, what):
    """``value`` as a bool; a string such as ``'no'`` would otherwise count as True."""
    if not isinstance(value, bool | np.bool_):
        raise ArgumentError(f"{what} must be True or False, got {value!r}.")
    return bool(value)


def check_path(path, what):
    """A file path as a ``str``: a ``str`` or an ``os.PathLike`` such as ``pathlib.Path``."""
    if not isinstance(path, str | os.PathLike):
        raise ArgumentError(f"{what}: the file path must be a str or a pathlib.Path, got "
                            f"{path!r} (a {type(path).__name__}).")
    return os.fspath(path)


def check_shape(shape, what):
    """A per-sample shape as a tuple of positive ints (``Input((28, 28, 1))``, ``input_dim=4``)."""
    dims = tuple(shape) if isinstance(shape, tuple | list) else (shape,)
    if not dims or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0
                       for d in dims):
        hint = (" tinynet needs every size known in advance; use the sizes of your data."
                if any(d is None for d in dims) else "")
        raise ValueError(f"{what} must be a positive int or a tuple of them, got {shape!r}, "
                         f"e.g. (28, 28, 1) for one image.{hint}")
    return tuple(int(d) for d in dims)


def check_float_dtype(dtype, what):
    """``np.dtype`` of ``'float32'`` or ``'float64'``, else a ``ValueError`` naming both."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.float32, np.float64):
        raise ValueError(f"{what}: dtype must be 'float32' or 'float64', got {dtype!r}.")
    return dt


def check_list(value, what, example):
    """``value`` as a list, refusing a bare string or object where a list is expected."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ArgumentError(f"{what} must be a list, got {value!r}. Wrap it in a list: {example}.")
    return list(value)


# -- data --------------------------------------------------------------------------------
def as_array(a, what, where):
    """``np.asarray(a)`` for real numeric data, or a clear error (ragged, complex, strings)."""
    try:
        a = np.asarray(a)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{where}: {what} is ragged (its rows have different lengths), so it is "
                         f"not an array ({err}). Pad or trim the rows to one length.") from None
    if a.dtype.kind == "c":
        raise TypeError(f"{where}: {what} is complex ({a.dtype}); tinynet trains on real numbers "
                        "and would drop the imaginary part. Pass np.real(...) or np.abs(...) "
                        "explicitly if that is what you mean.")
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{where}: {what} must be a numeric array, got dtype {a.dtype}. "
                        f"Convert it with np.asarray({what}, dtype='float32').")
    return a


def check_finite(a, what, where, original=None):
    """Refuse NaN or inf; a finite value that overflowed the float32 cast is reported as such."""
    if np.isfinite(a).all():
        return a
    bad = int((~np.isfinite(a)).sum())
    if original is not None and original.dtype.kind == "f" and np.isfinite(original).all():
        raise ValueError(f"{where}: {what} has {bad} values beyond float32's range "
                         f"(|v| > {FLOAT32_MAX:.3g}), which overflow to inf. Scale the data, "
                         "e.g. standardize each feature.")
    raise ValueError(f"{where}: {what} contains NaN or inf at {bad} entries. "
                     "Clean or impute them first.")


def check_x(x, input_shape, dtype, where):
    """``x`` as an array of ``dtype``: numeric, non-empty, finite, with the model's sample shape."""
    x = as_array(x, "x", where)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"{where}: x is empty (shape {x.shape}); pass at least one sample.")
    if input_shape is not None and x.shape[1:] != tuple(input_shape):
        raise ValueError(
            f"{where}: each sample of x must have shape {tuple(input_shape)}, got {x.shape[1:]} "
            f"(x.shape = {x.shape}). Reshape x, e.g. x.reshape(len(x), "
            f"{', '.join(map(str, input_shape))})."
        )
    if np.dtype(dtype).kind in "iu":  # token ids for a first Embedding: whole numbers, uncast
        if x.dtype.kind not in "iub" and not (np.isfinite(x).all() and (x == np.round(x)).all()):
            raise ValueError(f"{where}: x must hold integer token ids (the first layer is an "
                             "Embedding), got non-integer values. Map tokens to ids, then pass "
                             "x.astype('int64').")
        return x.astype(dtype, copy=False)
    with np.errstate(over="ignore"):
        cast = x.astype(dtype, copy=False)
    return check_finite(cast, "x", where, original=x)


def check_xy(x, y, where):
    """``y`` as an array with as many samples as ``x``."""
    if y is None:
        raise ValueError(f"{where}: y is None; pass the targets too, e.g. fit(x, y).")
    y = as_array(y, "y", where)
    if y.ndim == 0 or len(y) != len(x):
        raise ValueError(
            f"{where}: x and y must have the same number of samples, got {len(x)} and "
            f"{len(y) if y.ndim else 'a scalar'}. Check that they are aligned."
        )
    return y


def check_batch_size(batch_size, where):
    return check_positive_int(batch_size, f"{where}: batch_size", "batch_size=32")


def check_weight(new, key, current, owner):
    """A weight for ``set_weights``: real, finite, and of the current weight's shape."""
    new = as_array(new, f"the weight {key!r}", f"{owner}: set_weights")
    if new.shape != current.shape:
        raise ValueError(f"{owner}: set_weights got shape {new.shape} for '{key}', "
                         f"expected {current.shape}.")
    if not np.isfinite(new).all():
        raise ValueError(f"{owner}: set_weights got NaN or inf in '{key}' "
                         f"({int((~np.isfinite(new)).sum())} entries). Weights must be finite: "
                         "retrain, or restore an earlier checkpoint.")
    return new


VERBOSE = (0, 1, 2, "auto")


def check_verbose(verbose, where):
    """0, 1, 2 or Keras's default ``'auto'`` (which means 1, a progress bar)."""
    if isinstance(verbose, bool) or verbose not in VERBOSE:
        raise ArgumentError(f"{where}: verbose must be 0 (silent), 1 (progress bar), 2 (one line "
                            f"per epoch) or 'auto' (= 1), got {verbose!r}.")
    return 1 if verbose == "auto" else int(verbose)


def check_fit_args(batch_size, epochs, initial_epoch, verbose, validation_split,
                   validation_data, shuffle, callbacks):
    """``fit``'s arguments, checked before any step: returns them normalized, in this order."""
    batch_size = check_batch_size(batch_size, "fit")
    epochs = check_int(epochs, "fit: epochs", minimum=0, example="epochs=10")
    initial_epoch = check_int(initial_epoch, "fit: initial_epoch", minimum=0,
                              example="initial_epoch=0")
    if initial_epoch > epochs:
        raise ValueError(f"fit: initial_epoch={initial_epoch} is past epochs={epochs}, so no "
                         "epoch would run (epochs is the index to stop at, as in Keras). Pass "
                         f"epochs greater than initial_epoch, e.g. epochs={initial_epoch + 1}.")
    verbose = check_verbose(verbose, "fit")
    validation_split = check_number(validation_split, "fit: validation_split", 0.0, 1.0,
                                    example="validation_split=0.2", high_open=True)
    if validation_data is not None and (not isinstance(validation_data, tuple | list)
                                        or len(validation_data) != 2):
        n = len(validation_data) if isinstance(validation_data, tuple | list) else None
        extra = (" tinynet has no sample weights, so a third entry is not supported."
                 if n == 3 else "")
        raise ValueError(f"fit: validation_data must be a pair (x_val, y_val), got "
                         f"{type(validation_data).__name__}"
                         f"{f' of {n} entries' if n is not None else ''}.{extra}")
    if not isinstance(shuffle, bool | np.bool_):
        raise ArgumentError(f"fit: shuffle must be True or False, got {shuffle!r}.")
    callbacks = check_list(callbacks, "fit: callbacks", "callbacks=[EarlyStopping(...)]")
    for cb in callbacks:
        if not all(hasattr(cb, hook) for hook in ("set_model", "on_epoch_end", "on_batch_end")):
            raise ArgumentError(f"fit: callbacks must be tinynet Callback objects, got {cb!r}. "
                                "Subclass tinynet.callbacks.Callback.")
    return batch_size, epochs, initial_epoch, verbose, validation_split, bool(shuffle), callbacks
