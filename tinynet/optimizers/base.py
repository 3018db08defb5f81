"""The Optimizer base class: the per-parameter loop, slots, saving and argument checks.

Each update rule lives in a file of its own (sgd.py, rmsprop.py, adagrad.py, adadelta.py, adam.py).
"""

import inspect
import math

import numpy as np

# Allowed values of the hyperparameters: (what the error message says, the test).
# A learning rate of 0 is allowed, as in Keras: it freezes the weights.
DECAY = "a number in [0, 1)", lambda v: 0 <= v < 1
MOMENTUM = "a number in [0, 1]", lambda v: 0 <= v <= 1
NON_NEGATIVE = "a finite number >= 0", lambda v: v >= 0
CLIP_KEYS = ("clipnorm", "clipvalue", "global_clipnorm")  # Keras 3's gradient clipping options


class Optimizer:
    """One ``update(params, grads)`` call is one training step for every parameter.

    Gradient clipping, as in Keras 3's ``base_optimizer``, happens before the update rule.
    At most one of the three options may be set; ``None`` (the default) switches it off.

    Args:
        learning_rate: the step size, a finite number >= 0.
        clipnorm: rescale each gradient on its own so that its norm is at most ``clipnorm``.
        clipvalue: clip each gradient entry to ``[−clipvalue, clipvalue]``.
        global_clipnorm: rescale all gradients together so that their joint norm (over every
            parameter of the step) is at most ``global_clipnorm``.
    """

    config_keys = ("learning_rate",)  # constructor arguments, in signature order

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None, global_clipnorm=None):
        self.learning_rate = self._number("learning_rate", learning_rate, NON_NEGATIVE)
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        for key, value in clips.items():
            setattr(self, key, None if value is None else self._clip_value(key, value))
        if sum(value is not None for value in clips.values()) > 1:
            raise ValueError(f"{self._who}: only one of clipnorm, clipvalue and global_clipnorm "
                             f"can be set (as in Keras), got {clips}. Keep one of them.")
        self.iterations = 0  # steps taken so far, as Keras's ``optimizer.iterations``
        self.slots = {}  # param key → {slot name → array}, created on first use
        self._buffers = {}  # (shape, dtype) → scratch arrays for update_step

    def slot_names(self):
        """Names of the per-parameter arrays this configuration keeps (Keras's names)."""
        return ()

    def build_slots(self, w):
        return {name: np.zeros_like(w) for name in self.slot_names()}

    def _scratch(self, w):
        """Two work arrays shaped like ``w``, reused every step (not state: never saved).

        Fresh temporaries of a 400k-weight kernel cost more than the arithmetic on them.
        """
        key = (w.shape, w.dtype)
        if key not in self._buffers:
            self._buffers[key] = (np.empty_like(w), np.empty_like(w))
        return self._buffers[key]

    def update(self, params, grads):
        """Step every array of ``params`` in place; ``grads`` holds one gradient per key."""
        self._check(params, grads)
        self._check_restored(params)
        grads = self.clip_gradients(
            {key: np.asarray(grads[key], dtype=w.dtype) for key, w in params.items()})
        t = self.iterations + 1  # Keras's local_step: the step being taken, from 1
        for key, w in params.items():
            state = self.slots.get(key)
            if state is None:
                state = self.slots[key] = self.build_slots(w)
            self.update_step(w, grads[key], state, t)
        self.iterations = t

    def clip_gradients(self, grads):
        """The gradients after clipping, as Keras 3's ``_clip_gradients`` (new arrays if any).

        ‖g‖ is the L2 norm of one gradient array, all its entries; ‖G‖ that of all of them.
        """
        if self.clipnorm is not None:
            # g ← g·c / max(‖g‖, c)      (unchanged when ‖g‖ ≤ c)
            c = self.clipnorm  # used as is in float64 (unlike β and momentum: measured)
            return {k: g * c / np.maximum(np.sqrt(np.sum(np.square(g))), c)
                    for k, g in grads.items()}
        if self.global_clipnorm is not None:
            # ‖G‖ = sqrt(Σ_k ‖g_k‖²)      g ← g · c·min(1/‖G‖, 1/c)   (1 when ‖G‖ ≤ c)
            c = self.global_clipnorm
            norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads.values()))
            with np.errstate(divide="ignore"):  # ‖G‖ = 0 gives 1/0 = inf, then min picks 1/c
                scale = c * np.minimum(1 / norm, 1 / c)
            return {k: g * scale for k, g in grads.items()}
        if self.clipvalue is not None:
            # g ← min(max(g, −v), v)
            v = self.clipvalue
            return {k: np.clip(g, -v, v) for k, g in grads.items()}
        return grads

    def update_step(self, w, g, state, t):
        """Update one parameter ``w`` (in place) from its gradient ``g`` at step ``t``."""
        raise NotImplementedError

    # -- saving ------------------------------------------------------------------
    def get_config(self):
        """Class name and constructor arguments; ``deserialize`` rebuilds the optimizer."""
        config = {key: getattr(self, key) for key in self.config_keys}
        config.update({key: getattr(self, key) for key in CLIP_KEYS if getattr(self, key)})
        return {"class_name": type(self).__name__, "config": config}

    def get_state(self):
        """Plain arrays for an .npz: ``iterations`` and each slot as ``"<param key>/<slot>"``."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for key, slots in self.slots.items():
            for name, array in slots.items():
                state[f"{key}/{name}"] = array.copy()
        return state

    def set_state(self, state, params=None):
        """Restore what ``get_state`` returned; the next ``update`` continues from there.

        The slots' keys must be the model's parameter keys: with ``params`` (the model's
        ``parameters()``) that is checked now, else before the next update changes anything.
        """
        state = {key: state[key] for key in state.keys()}
        if "iterations" not in state:
            raise ValueError(f"{self._who}.set_state: no 'iterations' entry in {sorted(state)}. "
                             "Pass the dict that get_state() returned.")
        iterations = _check_iterations(state.pop("iterations"), self._who)
        slots = {}
        for full_key, array in state.items():
            key, _, name = full_key.rpartition("/")
            slots.setdefault(key, {})[name] = _check_slot(array, full_key, name, self._who)
        for key, found in slots.items():
            if set(found) != set(self.slot_names()):
                raise ValueError(
                    f"{self._who}.set_state: parameter {key!r} has slots {sorted(found)}, but this "
                    f"{self._who} keeps {sorted(self.slot_names())}. Restore into an optimizer "
                    "built with the same arguments as the one that was saved.")
        self.slots, self.iterations = slots, iterations
        self._restored = bool(slots) or iterations > 0
        if params is not None:
            self._check_restored(params)

    def _check_restored(self, params):
        """After ``set_state``: every parameter has its slots and every slot its parameter."""
        if not getattr(self, "_restored", False) or not self.slot_names():
            return
        missing = sorted(params.keys() - self.slots.keys())
        unmatched = sorted(self.slots.keys() - params.keys())
        if missing or unmatched:
            raise ValueError(
                f"{self._who}: the restored state does not match the model's parameters: "
                f"slots without a parameter {unmatched}, parameters without slots {missing}. "
                "Layer names must match the saved model's (name the layers explicitly, e.g. "
                "Dense(4, name='hidden'), or restore with tinynet.load_model).")
        for key, w in params.items():
            for name, array in self.slots[key].items():
                if array.shape != w.shape or array.dtype != w.dtype:
                    raise ValueError(
                        f"{self._who}: restored slot '{key}/{name}' is {array.dtype} "
                        f"{array.shape}, but the parameter is {w.dtype} {w.shape}. Restore "
                        "the state of the same model.")
        self._restored = False

    # -- argument checks ------------------------------------------------------------
    @property
    def _who(self):
        return type(self).__name__

    def _number(self, arg, value, rule):
        """``float(value)`` if it is a finite number that ``rule`` allows, else a ``ValueError``."""
        expected, ok = rule
        if (isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating)
                or not math.isfinite(value) or not ok(float(value))):
            default = inspect.signature(type(self)).parameters[arg].default
            raise ValueError(f"{self._who}: {arg} must be {expected}, got {value!r}. "
                             f"Pass e.g. {self._who}({arg}={default}).")
        return float(value)

    def _clip_value(self, arg, value):
        """A clipping threshold: a finite number > 0, else a ``ValueError`` that says so."""
        if (isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating)
                or not math.isfinite(value) or not value > 0):
            raise ValueError(f"{self._who}: {arg} must be a finite number > 0 or None, got "
                             f"{value!r}. Pass e.g. {self._who}({arg}=1.0).")
        return float(value)

    def _check(self, params, grads):
        if params.keys() != grads.keys():
            raise ValueError(
                f"{self._who}.update: params and grads must have the same keys; grads lacks "
                f"{sorted(params.keys() - grads.keys())} and has extra "
                f"{sorted(grads.keys() - params.keys())}. Pass one gradient per parameter key.")
        for key, w in params.items():
            if not isinstance(w, np.ndarray):
                raise ValueError(f"{self._who}.update: params[{key!r}] is a {type(w).__name__}; "
                                 "pass the layer's own NumPy array so it is updated in place.")
            shapes = [np.shape(grads[key])] + [s.shape for s in self.slots.get(key, {}).values()]
            if any(shape != w.shape for shape in shapes):
                raise ValueError(
                    f"{self._who}.update: {key!r} has shape {w.shape}, but its gradient and "
                    f"saved slots have shapes {shapes}. Give each key the parameter's shape, "
                    "or use a fresh optimizer for a different model.")

    def __repr__(self):
        return f"{self._who}(learning_rate={self.learning_rate:g}, iterations={self.iterations})"


# Slots that hold sums of squares: a negative entry cannot come from training.
NON_NEGATIVE_SLOTS = ("velocity", "velocity_hat", "accumulator", "accumulated_grad",
                      "accumulated_delta_var")


def _check_iterations(value, who):
    """The restored step count: an integer >= 0."""
    it = np.asarray(value)
    if it.ndim != 0 or it.dtype.kind not in "iu" or int(it) < 0:
        raise ValueError(f"{who}.set_state: 'iterations' must be an integer >= 0, got "
                         f"{value!r} ({it.dtype}, shape {it.shape}). Pass get_state()'s dict.")
    return int(it)


def _check_slot(array, full_key, name, who):
    """A restored slot: a finite float array; a sum of squares is also >= 0."""
    a = np.asarray(array)
    problem = ("is not a float32/float64 array" if a.dtype not in (np.float32, np.float64)
               else "holds NaN or inf" if not np.isfinite(a).all()
               else "is negative somewhere, which a sum of squares cannot be"
               if name in NON_NEGATIVE_SLOTS and (a < 0).any() else None)
    if problem:
        raise ValueError(f"{who}.set_state: slot {full_key!r} ({a.dtype}) {problem}. The state "
                         "is damaged; restore the dict that get_state() returned.")
    return np.array(a)


def _as_keras_casts(value, w):
    """A Python-float hyperparameter as Keras's ``ops.cast(value, w.dtype)`` produces it.

    TF first turns the Python float into a float32 tensor, then casts: for float64 weights
    β = 0.999 becomes 0.9990000128746033. Invisible in float32, it matters in float64.
    """
    return w.dtype.type(np.float32(value))


def _sqrt_plus(x, eps):
    """sqrt(x + ε) into one new array (the optimizers below avoid needless temporaries)."""
    out = x + eps
    return np.sqrt(out, out=out)
