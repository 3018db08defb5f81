"""``tinynet explain xor``: one training step of the book's XOR net, printed number by number."""

import numpy as np

from tinynet import utils
from tinynet.layers import Dense
from tinynet.sequential import Sequential

# Listing 4.1's data: the four XOR points, in order, and their targets.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([[0], [1], [1], [0]], dtype=np.float32)
PAD = " " * 28  # continuation lines start under the numbers of the line above


def _f(a, spec=" .4f"):
    """A number or a (nested) array on one line, every entry formatted with ``spec``."""
    a = np.asarray(a, dtype=np.float64) + 0.0  # + 0.0 turns −0.0 into 0.0
    if a.ndim == 0:
        return format(float(a), spec)
    return "[" + ", ".join(_f(v, spec) for v in a) + "]"


MAX_STEP = 10_000  # ten times the book's 1,000 epochs; each step before it is trained first


def _check_step(step):
    """``step`` as an int in [1, MAX_STEP], or a ValueError that says what to pass."""
    if (isinstance(step, bool) or not isinstance(step, int | np.integer)
            or not 1 <= step <= MAX_STEP):
        raise ValueError(f"explain_xor: step must be a whole number >= 1 and <= {MAX_STEP:,} (1 "
                         f"is the first training step; the book trains 1,000), got {step!r}. "
                         "Pass e.g. step=1, or --step 3.")
    return int(step)


def build_xor(seed=0, weights=None):
    """Listing 4.1's model with seeded weights, or ``weights`` = ``[W1, b1, W2, b2]`` instead."""
    utils.set_random_seed(seed)
    model = Sequential([Dense(2, input_dim=2, activation="relu", name="dense"),
                        Dense(1, name="dense_1")])
    model.compile(loss="mean_squared_error", optimizer="adam")
    if weights is not None:
        model.set_weights(weights)
    return model


def explain_xor(step=1, print_fn=print, seed=0, weights=None):
    """Train the XOR net ``step − 1`` full-batch steps silently, then print step ``step``.

    Args:
        step: which training step to show; 1 is the first.
        print_fn: called once with each line of the explanation.
        seed: seed of tinynet's generator, which draws the initial weights.
        weights: optional starting ``[W1, b1, W2, b2]`` (``get_weights`` order) instead.

    Returns:
        The printed arrays: ``weights`` before the step, ``z``, ``h``, ``y_hat``, ``loss``,
        ``dy_hat``, ``<layer>/dz|dW|db|dx`` for each layer, ``alpha`` and ``adam``
        (per parameter key: ``g``, ``m``, ``v`` and the ``new`` value).
    """
    step = _check_step(step)
    model = build_xor(seed, weights)
    for _ in range(step - 1):
        model.train_on_batch(X, Y)  # one batch of all 4 points, in order, no shuffle
    hidden, head = model.layers
    out = {"x": X, "y": Y, "weights": model.get_weights()}
    w1, b1, w2, b2 = out["weights"]

    print_fn(f"tinynet explain xor: training step {step}, full batch of the 4 XOR points "
             f"(seed {seed})")
    print_fn(f"x = {_f(X, '.0f')}   y = {_f(Y[:, 0], '.0f')}   N = {len(X)}")
    print_fn(f"dense   W = {_f(w1)}   b = {_f(b1)}   (the weights before this step)")
    print_fn(f"dense_1 W = {_f(w2)}   b = {_f(b2)}")

    print_fn("== forward ==")
    h = hidden.forward(X, training=True)
    for i, x in enumerate(X):
        label = "dense   z = x·W + b" if i == 0 else ""
        print_fn(f"{label:<28}z[{i}] = {_f(x, '.0f')}·W + b = {_f(hidden.z[i])}")
    for i in range(len(X)):
        label = "dense   h = relu(z)" if i == 0 else ""
        print_fn(f"{label:<28}h[{i}] = max({_f(hidden.z[i])}, 0) = {_f(h[i])}")
    y_hat = head.forward(h, training=True)
    for i in range(len(X)):
        label = "dense_1 ŷ = h·W + b" if i == 0 else ""
        terms = " + ".join(f"{h[i, j]:.4f}·({w2[j, 0]:.4f})" for j in range(len(w2)))
        print_fn(f"{label:<28}ŷ[{i}] = {terms} + ({b2[0]:.4f}) = {y_hat[i, 0]:.4f}")
    loss = model.loss(Y, y_hat)
    sq = np.square(y_hat[:, 0] - Y[:, 0])
    print_fn(f"{'loss    L = mean((ŷ − y)²)':<28}(ŷ − y)² = {_f(sq)}   "
             f"L = ({' + '.join(f'{s:.4f}' for s in sq)})/{len(X)} = {loss:.4f}")
    out.update(z=hidden.z.copy(), h=h.copy(), y_hat=y_hat.copy(), loss=loss)

    print_fn("== backward (chain rule: one reversed loop) ==")
    dy = model.loss.gradient(Y, y_hat)
    print_fn(f"{'loss    dŷ = 2(ŷ − y)/N':<28}dŷ = 2·({_f(y_hat[:, 0])} − {_f(Y[:, 0], '.0f')})"
             f"/{len(X)} = {_f(dy[:, 0])}")
    out["dy_hat"] = dy.copy()
    below = {"dense": "x", "dense_1": "h"}  # the symbol of what each layer receives
    above = {"dense": "dh", "dense_1": "dŷ"}  # the symbol of the gradient arriving from above
    for layer in reversed(model.layers):
        name, x = layer.name, below[layer.name]
        dz = layer.activation.backward(dy, layer.y)  # shown here; backward() does it again
        dx = layer.backward(dy)
        d = "dz" if layer.activation.name == "relu" else above[name]
        for i in range(len(X) if d == "dz" else 0):
            label = f"{name:<8}dz = {above[name]} ⊙ [z > 0]" if i == 0 else ""
            print_fn(f"{label:<28}dz[{i}] = {_f(dy[i])} ⊙ {_f(layer.z[i] > 0, '.0f')}"
                     f" = {_f(dz[i])}")
        print_fn(f"{name:<8}{f'dW = {x}ᵀ·{d}':<20}dW = {_f(layer.grads['kernel'])}")
        print_fn(f"{name:<8}{f'db = Σ {d}':<20}db = {_f(layer.grads['bias'])}")
        if x == "x":  # Sequential stops the chain here: nothing below the data needs a gradient
            print_fn(f"{name:<8}{f'dx = {d}·Wᵀ':<20}not computed: x is the data")
        for i in range(len(X) if x == "h" else 0):
            label = f"{name:<8}dx = {d}·Wᵀ" if i == 0 else ""
            print_fn(f"{label:<28}dh[{i}] = {_f(dz[i])}·Wᵀ = {_f(dx[i])}")
        out.update({f"{name}/dz": dz.copy(), f"{name}/dx": None if dx is None else dx.copy(),
                    f"{name}/dW": layer.grads["kernel"].copy(),
                    f"{name}/db": layer.grads["bias"].copy()})
        dy = dx

    adam = model.optimizer
    lr, b_1, b_2, eps = adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon
    alpha = lr * np.sqrt(1 - b_2**step) / (1 - b_1**step)
    print_fn(f"== Adam update (t = {step}) ==")
    print_fn("m = β1·m + (1 − β1)·g,  v = β2·v + (1 − β2)·g²,  "
             "α = lr·√(1 − β2^t)/(1 − β1^t),  W ← W − α·m/(√v + ε)")
    print_fn(f"lr = {lr:g}  β1 = {b_1:g}  β2 = {b_2:g}  ε = {eps:g}   "
             f"α = {lr:g}·√(1 − {b_2:g}^{step})/(1 − {b_1:g}^{step}) = {alpha:.6g}")
    params, grads = model.parameters(), model.gradients()  # keyed exactly as fit keys them
    before = {key: w.copy() for key, w in params.items()}
    slots = {key: {s: a.copy() for s, a in state.items()} for key, state in adam.slots.items()}
    adam.update(params, grads)  # the library's Adam, exactly as fit would call it
    out["alpha"], out["adam"] = alpha, {}
    for key, w in params.items():
        m, v = adam.slots[key]["momentum"], adam.slots[key]["velocity"]
        old = slots.get(key, {"momentum": np.zeros_like(w), "velocity": np.zeros_like(w)})
        print_fn(key)
        print_fn(f"  W     = {_f(before[key], ' .6f')}")
        print_fn(f"  g     = {_f(grads[key], ' .6f')}")
        print_fn(f"  m     = {b_1:g}·{_f(old['momentum'], ' .6f')} + {1 - b_1:g}·g"
                 f" = {_f(m, ' .6f')}")
        print_fn(f"  v     = {b_2:g}·{_f(old['velocity'], ' .4e')} + {1 - b_2:g}·g²"
                 f" = {_f(v, ' .4e')}")
        print_fn(f"  W new = W − α·m/(√v + ε) = {_f(w, ' .6f')}")
        out["adam"][key] = {"w": before[key], "g": grads[key].copy(), "m": m.copy(),
                            "v": v.copy(), "new": w.copy()}
    return out
