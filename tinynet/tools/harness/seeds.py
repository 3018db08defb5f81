"""``tinynet seeds xor|logic_gates``: how often the book's two-ReLU network learns, and why not.

The book warns that this small network sometimes fails to learn XOR. This trains the listing
from N seeds, each from the same initial weights in both frameworks (Keras's glorot_uniform
draw for that seed, the start ``tinynet compare`` uses), and judges every result:

- **learned**: every one of the four predictions rounds to the right bit;
- otherwise, why, read off the fitted weights (``diagnose``):
  - **dead h1 / h2**: the unit's pre-activation ``w·x + b`` is ≤ 0 on all four inputs, so
    ReLU's gradient is 0 there and no update can revive it;
  - **collapsed**: both units are alive but their outputs on the four points are
    proportional: they cut the plane along one line, which is one feature, not two;
  - **not converged**: neither; the epochs ran out first.

XOR and XNOR need two distinct units (one ReLU unit cannot separate them), so a dead or
collapsed unit explains their failure; OR, AND and NOR can be fitted by one unit, so for
them the reason is "not converged", with the dead unit named beside it.
"""

import numpy as np

from tinynet.tools import listings
from tinynet.tools.harness import quiet, runs

POINTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
NOT_SEPARABLE = ((0, 1, 1, 0), (1, 0, 0, 1))  # XOR, XNOR: no single line splits them
KERAS_SEEDS = {"xor": 5, "logic_gates": 2}  # each Keras fit costs 35-60 s of epoch overhead


def functions(name):
    """Label → the four target bits, for the listings judged by ``learned``; else ``None``."""
    if name == "xor":
        return {"XOR": [int(v) for v in listings.xor.y.ravel()]}
    if name == "logic_gates":
        return dict(listings.logic_gates.GATES)
    return None


def learned(predictions, bits):
    """Every prediction rounds to its bit (above 0.5 reads as 1)."""
    return all((p > 0.5) == bool(b) for p, b in zip(predictions, bits, strict=True))


def diagnose(weights, bits, epochs):
    """Why a fitted ``[W1, b1, W2, b2]`` misses ``bits``: ``(code, sentence)``."""
    w1, b1 = (np.asarray(w, dtype=float) for w in weights[:2])
    z = POINTS @ w1 + b1
    dead = [j for j in range(z.shape[1]) if np.all(z[:, j] <= 0)]
    h = np.maximum(z, 0)
    needs_two = tuple(bits) in NOT_SEPARABLE
    if len(dead) == z.shape[1]:
        return "both dead", "both ReLU units are dead: the output is a constant"
    if dead and needs_two:
        return (f"dead h{dead[0] + 1}", f"ReLU unit h{dead[0] + 1} is dead (w·x + b ≤ 0 on all "
                "four inputs), and one unit cannot separate this function")
    norms = np.linalg.norm(h, axis=0)
    if not dead and needs_two and h[:, 0] @ h[:, 1] > 0.99 * norms[0] * norms[1]:
        return "collapsed", ("the two units collapsed onto one line: their outputs on the "
                             "four points are proportional")
    extra = f" (h{dead[0] + 1} dead; one unit can fit this gate)" if dead else ""
    return "not converged", f"not converged after {epochs} epochs{extra}"


def initial_weights(name, seed):
    """Keras's initial weights for ``seed``: what ``reference/<name>.py`` draws with it."""
    keras = quiet.import_keras()
    reference = listings.load_reference(listings.LISTINGS[name].script)
    keras.utils.set_random_seed(seed)
    with quiet.keras_warnings_filtered():
        return reference.build_model().get_weights()


def judge(result, table, epochs):
    """Per function: ``{"learned", "code", "reason", "predictions", "weights"}``."""
    predictions = result["predictions"]
    if not isinstance(predictions, dict):
        predictions = {next(iter(table)): predictions}
    verdicts = {}
    for (label, bits), model in zip(table.items(), result["models"], strict=True):
        weights = [np.asarray(w) for w in model.get_weights()]
        ok = learned(predictions[label], bits)
        code, reason = ("learned", "") if ok else diagnose(weights, bits, epochs)
        verdicts[label] = {"learned": ok, "code": code, "reason": reason,
                           "predictions": [float(p) for p in predictions[label]],
                           "weights": weights}
    return verdicts


def run_seeds(name, seeds, keras_seeds, epochs, progress):
    """Train ``name`` from seeds 0..seeds−1: tinynet on all, Keras on the first ``keras_seeds``.

    Returns:
        ``{"rows": [{"seed", "tinynet": verdicts, "keras": verdicts or None}], ...}``.
    """
    table = functions(name)
    rows = []
    for seed in range(min(keras_seeds, seeds)):
        keras_result = runs.watched_run(name, "keras", progress, epochs=epochs, seed=seed)
        rows.append({"seed": seed, "initial": keras_result["initial_weights"],
                     "keras": judge(keras_result, table, epochs)})
    for seed in range(len(rows), seeds):
        rows.append({"seed": seed, "initial": initial_weights(name, seed), "keras": None})
    progress.say(f"{name} on tinynet: {seeds} seeds × {epochs} epochs ...")
    for row in progress.items(rows, f"tinynet {name}", "seed"):
        result = runs.watched_run(name, "tinynet", progress, epochs=epochs, seed=row["seed"],
                                  initial_weights=row.pop("initial"), bar=False, stage=False)
        row["tinynet"] = judge(result, table, epochs)
    return {"listing": name, "epochs": epochs, "seeds": seeds,
            "keras_seeds": min(keras_seeds, seeds), "functions": table, "rows": rows}


def summary(report):
    """Per function: how many seeds learned in each framework, and where they agree."""
    lines = []
    for label in report["functions"]:
        tn = [row["tinynet"][label]["learned"] for row in report["rows"]]
        pairs = [(row["tinynet"][label]["learned"], row["keras"][label]["learned"])
                 for row in report["rows"] if row["keras"] is not None]
        line = (f"{label} learned from {sum(tn)} of {len(tn)} seeds in tinynet "
                f"({100 * sum(tn) / len(tn):.0f}%)")
        if pairs:
            line += (f"; Keras from {sum(k for _, k in pairs)} of {len(pairs)}; same verdict "
                     f"in both frameworks on {sum(a == b for a, b in pairs)} of {len(pairs)}")
        lines.append(line + ".")
    return lines


def to_json(report):
    """The report without weights, for ``<listing>_seeds.json``."""
    def strip(verdicts):
        return None if verdicts is None else {
            label: {k: v for k, v in verdict.items() if k != "weights"}
            for label, verdict in verdicts.items()}

    return {**{k: v for k, v in report.items() if k != "rows"},
            "rows": [{"seed": row["seed"], "tinynet": strip(row["tinynet"]),
                      "keras": strip(row["keras"])} for row in report["rows"]]}


def panels(report):
    """For each function, one seed that learns and one that fails (tinynet's fitted weights).

    The seed that learns is the one whose predictions end closest to the bits; the seed that
    fails is the first one.
    """
    out = []
    for label, bits in report["functions"].items():
        def miss(row, label=label, bits=bits):
            return max(abs(p - b) for p, b in zip(row["tinynet"][label]["predictions"], bits,
                                                   strict=True))

        for wanted in (True, False):
            matching = [r for r in report["rows"] if r["tinynet"][label]["learned"] == wanted]
            row = (min(matching, key=miss) if wanted else matching[0]) if matching else None
            if row is None:
                verdict = f"no seed {'learned' if wanted else 'failed'} out of {report['seeds']}"
                out.append((label, None, verdict, None, bits))
                continue
            verdict = row["tinynet"][label]
            out.append((label, row["seed"], "learns" if wanted else verdict["code"],
                        verdict["weights"], bits))
    return out


def table_rows(report):
    """Header and rows for stdout: one row per seed."""
    labels = list(report["functions"])
    if len(labels) == 1:
        label = labels[0]
        header = ("seed", "tinynet predictions", "tinynet", "Keras")
        rows = [(str(row["seed"]),
                 " ".join(f"{p:.3f}" for p in row["tinynet"][label]["predictions"]),
                 row["tinynet"][label]["code"],
                 row["keras"][label]["code"] if row["keras"] else "not run")
                for row in report["rows"]]
        return header, rows
    header = ("seed", *(f"{label} (tinynet)" for label in labels), "Keras")
    rows = []
    for row in report["rows"]:
        if row["keras"] is None:
            keras = "not run"
        else:
            differ = [f"{label}: {row['keras'][label]['code']}" for label in labels
                      if row["keras"][label]["learned"] != row["tinynet"][label]["learned"]]
            keras = "differs on " + ", ".join(differ) if differ else "same verdicts"
        rows.append((str(row["seed"]), *(row["tinynet"][label]["code"] for label in labels),
                     keras))
    return header, rows


def reasons(report):
    """One line per distinct failure sentence, with the seeds (tinynet) it explains."""
    seen = {}
    for row in report["rows"]:
        for label, verdict in row["tinynet"].items():
            if not verdict["learned"]:
                seen.setdefault((verdict["code"], verdict["reason"]), []).append(
                    f"{row['seed']}" if len(report["functions"]) == 1 else
                    f"{row['seed']} ({label})")
    return [f"{code}: {reason}. Seeds: {', '.join(where)}."
            for (code, reason), where in seen.items()]
