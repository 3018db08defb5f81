"""Test accuracy of the MNIST MLP, CNN and LSTM, trained in Keras and in tinynet from own seeds."""

# Each framework starts from its own random initialization (keras.utils.set_random_seed and
# tinynet.utils.set_random_seed with the same seed number, which give different draws) and
# trains as listings 4.3, 4.4 and mnist_lstm do: Adam, sparse categorical cross-entropy, batches
# of 32, shuffled, the MLP for 5 epochs, the CNN and the LSTM for 1. Only the data is shared, so
# the figures compare the two frameworks as a reader would use them. The targets: mean test
# accuracies within 0.5 percentage points (MLP, CNN) and 1 point (LSTM, issue 10). It writes
# accuracy_parity.json and accuracy_parity.md to --out.
#
#     uv run python benchmarks/accuracy_parity.py                    # 3 seeds, all models
#     uv run python benchmarks/accuracy_parity.py --models lstm      # the LSTM alone
#     uv run python benchmarks/accuracy_parity.py --quick --seeds 0  # 2,000 images: smoke test

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import tinynet
from tinynet import layers as tl
from tinynet.datasets.mnist import load_data

EPOCHS = {"mlp": 5, "cnn": 1, "lstm": 1}  # as the listings train them
TARGET_PP = {"mlp": 0.5, "cnn": 0.5, "lstm": 1.0}
QUICK_TRAIN, QUICK_TEST = 2000, 1000


def tinynet_model(kind):
    """Listing 4.3 (mlp), 4.4 (cnn) or mnist_lstm (lstm), written in tinynet."""
    if kind == "lstm":  # each image as 28 time steps of 28 pixels
        layers = [tl.Input((28, 28)), tl.LSTM(128), tl.Dense(10, activation="softmax")]
    elif kind == "mlp":
        layers = [tl.Input((28, 28)), tl.Flatten(), tl.Dense(512, activation="relu"),
                  tl.Dropout(0.2), tl.Dense(10, activation="softmax")]
    else:
        layers = [tl.Input((28, 28, 1)),
                  tl.Conv2D(32, (3, 3), activation="relu"), tl.MaxPooling2D((2, 2)),
                  tl.Conv2D(64, (3, 3), activation="relu"), tl.MaxPooling2D((2, 2)),
                  tl.Conv2D(64, (3, 3), activation="relu"), tl.Flatten(),
                  tl.Dense(64, activation="relu"), tl.Dense(10, activation="softmax")]
    return tinynet.Sequential(layers)


def keras_model(keras, kind):
    """The same listing, written in Keras."""
    k = keras.layers
    if kind == "lstm":
        layers = [keras.Input((28, 28)), k.LSTM(128), k.Dense(10, activation="softmax")]
    elif kind == "mlp":
        layers = [keras.Input((28, 28)), k.Flatten(), k.Dense(512, activation="relu"),
                  k.Dropout(0.2), k.Dense(10, activation="softmax")]
    else:
        layers = [keras.Input((28, 28, 1)),
                  k.Conv2D(32, (3, 3), activation="relu"), k.MaxPooling2D((2, 2)),
                  k.Conv2D(64, (3, 3), activation="relu"), k.MaxPooling2D((2, 2)),
                  k.Conv2D(64, (3, 3), activation="relu"), k.Flatten(),
                  k.Dense(64, activation="relu"), k.Dense(10, activation="softmax")]
    return keras.Sequential(layers)


def mnist(kind, quick):
    """Training and test images scaled to [0, 1] in float32, shaped for ``kind``."""
    (x_train, y_train), (x_test, y_test) = load_data()
    if quick:
        x_train, y_train = x_train[:QUICK_TRAIN], y_train[:QUICK_TRAIN]
        x_test, y_test = x_test[:QUICK_TEST], y_test[:QUICK_TEST]
    shape = (28, 28, 1) if kind == "cnn" else (28, 28)
    scale = np.float32(1 / 255)
    return ((x_train.reshape(-1, *shape) * scale, y_train),
            (x_test.reshape(-1, *shape) * scale, y_test))


def train(framework, kind, seed, data):
    """Build, train and evaluate one model; return its figures."""
    (x_train, y_train), (x_test, y_test) = data
    if framework == "keras":
        import keras

        keras.utils.set_random_seed(seed)
        model = keras_model(keras, kind)
    else:
        tinynet.utils.set_random_seed(seed)
        model = tinynet_model(kind)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS[kind], verbose=0)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=32, verbose=0)
    return {"framework": framework, "model": kind, "seed": seed, "epochs": EPOCHS[kind],
            "train_loss": float(history.history["loss"][-1]),
            "train_accuracy": float(history.history["accuracy"][-1]),
            "test_loss": float(test_loss), "test_accuracy": float(test_accuracy),
            "train_seconds": seconds}


def summarize(runs, kind):
    """Mean ± sample standard deviation of test accuracy per framework, in percent."""
    out = {}
    for framework in ("keras", "tinynet"):
        mine = [r for r in runs if r["model"] == kind and r["framework"] == framework]
        acc = [100 * r["test_accuracy"] for r in mine]
        sec = [r["train_seconds"] for r in mine]
        out[framework] = {"n": len(acc), "mean": statistics.fmean(acc),
                          "std": statistics.stdev(acc) if len(acc) > 1 else 0.0,
                          "accuracies": acc, "mean_train_seconds": statistics.fmean(sec)}
    k, t = out["keras"], out["tinynet"]
    out["difference_pp"] = t["mean"] - k["mean"]  # tinynet minus Keras
    # standard error of that difference, from the two sample deviations (Welch)
    out["difference_se_pp"] = (k["std"] ** 2 / k["n"] + t["std"] ** 2 / t["n"]) ** 0.5
    out["target_pp"] = TARGET_PP[kind]
    out["within_target"] = abs(out["difference_pp"]) <= TARGET_PP[kind]
    return out


def machine():
    """Where the figures were measured: cores, CPU, NumPy's BLAS, and every version."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version')}"
    except (TypeError, KeyError):
        blas = "unknown"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cores": cores, "cpu": cpu, "platform": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__, "blas": blas,
            "tinynet": tinynet.__version__, "keras": keras.__version__,
            "tensorflow": tf.__version__}


def markdown(report):
    """The report as a Markdown table with its context."""
    m = report["machine"]
    lines = [
        "# Test accuracy: tinynet against Keras, each from its own initialization",
        "",
        f"- date: {report['date']}",
        f"- machine: {m['cores']} cores, {m['cpu']}, {m['platform']}",
        f"- NumPy {m['numpy']} ({m['blas']}), Python {m['python']}",
        f"- tinynet {m['tinynet']}, Keras {m['keras']}, TensorFlow {m['tensorflow']}",
        f"- seeds: {', '.join(map(str, report['seeds']))}"
        + (f"; quick run: {QUICK_TRAIN:,} training and {QUICK_TEST:,} test images "
           "(not a measure of parity)" if report["quick"] else "; full MNIST (60,000 / 10,000)"),
        "",
        "| model | epochs | Keras test acc. (%) | tinynet test acc. (%) | difference (pp) "
        "| within target | train s/run (Keras, tinynet) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, s in report["summary"].items():
        k, t = s["keras"], s["tinynet"]
        lines.append(
            f"| {kind} | {EPOCHS[kind]} | {k['mean']:.2f} ± {k['std']:.2f} "
            f"| {t['mean']:.2f} ± {t['std']:.2f} "
            f"| {s['difference_pp']:+.2f} ± {s['difference_se_pp']:.2f} "
            f"| {'yes' if s['within_target'] else 'no'} (±{s['target_pp']:g} pp) "
            f"| {k['mean_train_seconds']:.1f}, {t['mean_train_seconds']:.1f} |")
    lines += ["", "Accuracies are mean ± sample standard deviation over the seeds; the "
              "difference is tinynet minus Keras, ± its standard error.", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=sorted(EPOCHS), default=list(EPOCHS))
    parser.add_argument("--out", default="benchmarks/out", help="folder for the JSON and Markdown")
    parser.add_argument("--quick", action="store_true",
                        help=f"train on {QUICK_TRAIN:,} images and test on {QUICK_TEST:,}")
    args = parser.parse_args()

    report = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
              "machine": machine(), "seeds": args.seeds, "quick": args.quick,
              "target_pp": TARGET_PP, "runs": [], "summary": {}}
    total, done = 2 * len(args.models) * len(args.seeds), 0
    for kind in args.models:
        data = mnist(kind, args.quick)
        for seed in args.seeds:
            for framework in ("keras", "tinynet"):
                done += 1
                print(f"[{done}/{total}] {kind} seed {seed} {framework}: training "
                      f"{EPOCHS[kind]} epoch(s)...", end=" ", flush=True)
                run = train(framework, kind, seed, data)
                report["runs"].append(run)
                print(f"test accuracy {100 * run['test_accuracy']:.2f}% "
                      f"({run['train_seconds']:.1f} s)", flush=True)
        report["summary"][kind] = s = summarize(report["runs"], kind)
        print(f"{kind}: Keras {s['keras']['mean']:.2f} ± {s['keras']['std']:.2f}%, tinynet "
              f"{s['tinynet']['mean']:.2f} ± {s['tinynet']['std']:.2f}%, difference "
              f"{s['difference_pp']:+.2f} pp", flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "accuracy_parity.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "accuracy_parity.md").write_text(markdown(report))
    print(markdown(report))
    print(f"wrote {out / 'accuracy_parity.json'} and {out / 'accuracy_parity.md'}")


if __name__ == "__main__":
    main()
