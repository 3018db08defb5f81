"""Optimizers: each ``update_step`` is one paper's update rule, as in ``keras/src/optimizers``."""

import inspect
import math

import numpy as np

from tinynet import utils

# Allowed values of the hyperparameters: (what the error message says, the test).
# A learning rate of 0 is allowed, as in Keras: it freezes the weights.
DECAY = "a number in [0, 1)", lambda v: 0 <= v < 1
MOMENTUM = "a number in [0, 1]", lambda v: 0 <= v <= 1
NON_NEGATIVE = "a finite number >= 0", lambda v: v >= 0


class Optimizer:
    """One ``update(params, grads)`` call is one training step for every parameter.

    Args:
        learning_rate: the step size, a finite number >= 0.
    """

    config_keys = ("learning_rate",)  # constructor arguments, in signature order

    def __init__(self, learning_rate):
        self.learning_rate = self._number("learning_rate", learning_rate, NON_NEGATIVE)
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
        t = self.iterations + 1  # Keras's local_step: the step being taken, from 1
        for key, w in params.items():
            state = self.slots.get(key)
            if state is None:
                state = self.slots[key] = self.build_slots(w)
            self.update_step(w, np.asarray(grads[key], dtype=w.dtype), state, t)
        self.iterations = t

    def update_step(self, w, g, state, t):
        """Update one parameter ``w`` (in place) from its gradient ``g`` at step ``t``."""
        raise NotImplementedError

    # -- saving ------------------------------------------------------------------
    def get_config(self):
        """Class name and constructor arguments; ``deserialize`` rebuilds the optimizer."""
        return {"class_name": type(self).__name__,
                "config": {key: getattr(self, key) for key in self.config_keys}}

    def get_state(self):
        """Plain arrays for an .npz: ``iterations`` and each slot as ``"<param key>/<slot>"``."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for key, slots in self.slots.items():
            for name, array in slots.items():
                state[f"{key}/{name}"] = array.copy()
        return state

    def set_state(self, state):
        """Restore what ``get_state`` returned; the next ``update`` continues from there."""
        state = {key: state[key] for key in state.keys()}
        if "iterations" not in state:
            raise ValueError(f"{self._who}.set_state: no 'iterations' entry in {sorted(state)}. "
                             "Pass the dict that get_state() returned.")
        iterations = int(state.pop("iterations"))
        slots = {}
        for full_key, array in state.items():
            key, _, name = full_key.rpartition("/")
            slots.setdefault(key, {})[name] = np.array(array)
        for key, found in slots.items():
            if set(found) != set(self.slot_names()):
                raise ValueError(
                    f"{self._who}.set_state: parameter {key!r} has slots {sorted(found)}, but this "
                    f"{self._who} keeps {sorted(self.slot_names())}. Restore into an optimizer "
                    "built with the same arguments as the one that was saved.")
        self.slots, self.iterations = slots, iterations

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


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as ``keras.optimizers.SGD``.

    Args:
        learning_rate: the step size.
        momentum: velocity decay μ in [0, 1]; 0 is plain gradient descent.
        nesterov: apply the momentum step once more, looking ahead (Nesterov, 1983).
    """

    config_keys = ("learning_rate", "momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = self._number("momentum", momentum, MOMENTUM)
        self.nesterov = bool(nesterov)

    def slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, w, g, state, t):
        step = g * self.learning_rate
        if self.momentum == 0:
            # w ← w − lr·g
            w -= step
            return
        m, mu = state["momentum"], _as_keras_casts(self.momentum, w)
        # m ← μ·m − lr·g
        m *= mu
        m -= step
        if self.nesterov:
            # w ← w + μ·m − lr·g
            w += m * mu - step
        else:
            # w ← w + m
            w += m


class RMSprop(Optimizer):
    """Divide the step by a running RMS of the gradient (Hinton, 2012), as Keras's ``RMSprop``.

    Args:
        learning_rate: the step size.
        rho: decay rate ρ in [0, 1) of the running averages.
        momentum: decay μ in [0, 1] of a velocity applied to the scaled steps; 0 turns it off.
        epsilon: ε added under the square root (Keras puts it inside).
        centered: divide by the gradient's running variance instead of its second moment.
    """

    config_keys = ("learning_rate", "rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        super().__init__(learning_rate)
        self.rho = self._number("rho", rho, DECAY)
        self.momentum = self._number("momentum", momentum, MOMENTUM)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)
        self.centered = bool(centered)

    def slot_names(self):
        return (("velocity",) + ("momentum",) * (self.momentum > 0)
                + ("average_gradient",) * self.centered)

    def update_step(self, w, g, state, t):
        rho, v = self.rho, state["velocity"]
        # v ← ρ·v + (1 − ρ)·g²
        v *= rho
        v += (1 - rho) * np.square(g)
        if self.centered:
            mean_g = state["average_gradient"]
            # ḡ ← ρ·ḡ + (1 − ρ)·g
            mean_g *= rho
            mean_g += (1 - rho) * g
            denominator = _sqrt_plus(v - np.square(mean_g), self.epsilon)
        else:
            denominator = _sqrt_plus(v, self.epsilon)
        # Δ = lr·g / sqrt(v + ε)        (centered: lr·g / sqrt(v − ḡ² + ε))
        delta = self.learning_rate * g
        delta /= denominator
        if self.momentum > 0:
            m = state["momentum"]
            # m ← μ·m + Δ      w ← w − m
            m *= self.momentum
            m += delta
            w -= m
        else:
            # w ← w − Δ
            w -= delta


class Adagrad(Optimizer):
    """Per-weight steps shrinking with the summed squared gradients (Duchi et al., 2011).

    Args:
        learning_rate: the step size.
        initial_accumulator_value: starting value (>= 0) of each sum of squares.
        epsilon: ε added under the square root.
    """

    config_keys = ("learning_rate", "initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
        super().__init__(learning_rate)
        self.initial_accumulator_value = self._number(
            "initial_accumulator_value", initial_accumulator_value, NON_NEGATIVE)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)

    def slot_names(self):
        return ("accumulator",)

    def build_slots(self, w):
        return {"accumulator": np.full_like(
            w, _as_keras_casts(self.initial_accumulator_value, w))}

    def update_step(self, w, g, state, t):
        a = state["accumulator"]
        # a ← a + g²
        a += np.square(g)
        # w ← w − lr·g / sqrt(a + ε)
        w -= self.learning_rate * g / _sqrt_plus(a, self.epsilon)


class Adadelta(Optimizer):
    """Steps scaled by the ratio of running RMS of updates and gradients (Zeiler, 2012).

    Args:
        learning_rate: the step size (1.0 gives the paper's rule).
        rho: decay rate ρ in [0, 1) of both running averages.
        epsilon: ε added under both square roots.
    """

    config_keys = ("learning_rate", "rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7):
        super().__init__(learning_rate)
        self.rho = self._number("rho", rho, DECAY)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)

    def slot_names(self):
        return ("accumulated_grad", "accumulated_delta_var")

    def update_step(self, w, g, state, t):
        rho, eps = self.rho, self.epsilon
        eg2, ed2 = state["accumulated_grad"], state["accumulated_delta_var"]
        # E[g²] ← ρ·E[g²] + (1 − ρ)·g²
        eg2 *= rho
        eg2 += (1 - rho) * np.square(g)
        # Δ = −sqrt(E[Δ²] + ε)·g / sqrt(E[g²] + ε)
        delta = _sqrt_plus(ed2, eps) * g
        delta /= _sqrt_plus(eg2, eps)
        np.negative(delta, out=delta)
        # E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
        ed2 *= rho
        ed2 += (1 - rho) * np.square(delta)
        # w ← w + lr·Δ
        delta *= self.learning_rate
        w += delta


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2014), as ``keras.optimizers.Adam``.

    Args:
        learning_rate: the step size.
        beta_1: decay rate β₁ in [0, 1) of the first moment (mean of g).
        beta_2: decay rate β₂ in [0, 1) of the second moment (mean of g²).
        epsilon: the paper's "ε hat", added to sqrt(v).
        amsgrad: divide by the largest second moment so far (Reddi et al., 2018).
    """

    config_keys = ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False):
        super().__init__(learning_rate)
        self.beta_1 = self._number("beta_1", beta_1, DECAY)
        self.beta_2 = self._number("beta_2", beta_2, DECAY)
        self.epsilon = self._number("epsilon", epsilon, NON_NEGATIVE)
        self.amsgrad = bool(amsgrad)

    def slot_names(self):
        return ("momentum", "velocity") + ("velocity_hat",) * self.amsgrad

    def update_step(self, w, g, state, t):
        m, v = state["momentum"], state["velocity"]
        f = w.dtype.type  # Keras casts lr, β and t to the variable's dtype
        beta_1_t = _as_keras_casts(self.beta_1, w) ** f(t)
        beta_2_t = _as_keras_casts(self.beta_2, w) ** f(t)
        # α = lr·sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)   (both bias corrections folded into the step size)
        alpha = f(self.learning_rate) * np.sqrt(1 - beta_2_t) / (1 - beta_1_t)
        # m ← m + (g − m)·(1 − β₁)
        tmp, step = self._scratch(w)
        np.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        # v ← v + (g² − v)·(1 − β₂)
        np.square(g, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        if self.amsgrad:
            # v̂ ← max(v̂, v), used in place of v
            v = np.maximum(state["velocity_hat"], v, out=state["velocity_hat"])
        # w ← w − α·m / (sqrt(v) + ε)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.multiply(m, alpha, out=step)
        step /= tmp
        w -= step


# Keras's base-optimizer options with the values that switch them off. tinynet implements
# none of them, so a Keras config may carry them only switched off; ``name`` and
# ``ema_momentum`` (used only with ``use_ema``) change nothing.
KERAS_OFF = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
             "use_ema": False, "ema_overwrite_frequency": None, "loss_scale_factor": None,
             "gradient_accumulation_steps": None}
KERAS_INERT = ("name", "ema_momentum")

OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
              "adam": Adam}


def get(identifier):
    """An optimizer from a name (``'adam'``), a ``get_config()`` dict, or an instance as is."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return utils.lookup("optimizer", identifier, OPTIMIZERS)()


def deserialize(config):
    """Rebuild an optimizer from ``{"class_name": "Adam", "config": {...}}``.

    Takes what ``get_config()`` returns and also ``keras.optimizers.serialize(opt)``.
    """
    if not (isinstance(config, dict) and "class_name" in config
            and isinstance(config.get("config", {}), dict)):
        raise ValueError("deserialize expects {'class_name': 'Adam', 'config': {...}} as "
                         f"get_config() returns it, got {config!r}.")
    cls = utils.lookup("optimizer", config["class_name"], OPTIMIZERS)
    args = {k: v for k, v in config.get("config", {}).items() if k not in KERAS_INERT}
    switched_on = sorted(k for k, off in KERAS_OFF.items() if args.pop(k, off) != off)
    if switched_on:
        raise ValueError(f"deserialize: the config turns on Keras's {switched_on}, which tinynet "
                         "does not implement. Set them to None/False, or train without them.")
    unknown = sorted(set(args) - set(cls.config_keys))
    if unknown:
        raise ValueError(f"deserialize: {cls.__name__} takes {list(cls.config_keys)}, got the "
                         f"unknown arguments {unknown}. Remove them from the config.")
    return cls(**args)
