"""How the book's CNN's training step scales with batch size and image size, against its FLOPs.

    uv run python benchmarks/bench_scaling.py --out out/bench

Per point: ms per step, GFLOP/s (matrix products only) and, for tinynet, that rate as a fraction
of the 2-core sgemm rate measured at the start of the same run, and the peak memory of one
training step traced by tracemalloc (every NumPy array; TensorFlow's allocations are not traced,
so Keras has no memory column).
"""

import argparse
import json
import os
import statistics
import time
import tracemalloc
from pathlib import Path

# bench_listings applies --blas-threads before numpy loads, so it is imported first (it sorts
# first, too); its helpers are shared with this script.
import bench_listings
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tinynet import callbacks, layers, models, parallel  # noqa: E402
from tinynet.datasets.mnist import load_data  # noqa: E402
from tinynet.utils import set_random_seed  # noqa: E402

BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
SIZES = [28, 56, 84, 112]  # MNIST digits blown up 1×, 2×, 3×, 4× by pixel repetition
REFERENCE_BATCH, REFERENCE_SIZE = 32, 28  # predictions scale from the listing's own step
TOLERANCE = 0.30  # flag a measured growth more than 30% off the FLOP-count prediction


def tinynet_cnn(size, workers=None):
    """Listing 4.4's CNN for ``size``×``size`` images; Flatten → Dense grows with the image."""
    model = models.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(size, size, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  workers=workers)
    return model


def keras_cnn(keras, size):
    """The same CNN in Keras."""
    kl = keras.layers
    model = keras.Sequential([
        keras.Input((size, size, 1)),
        kl.Conv2D(32, (3, 3), activation="relu"), kl.MaxPooling2D((2, 2)),
        kl.Conv2D(64, (3, 3), activation="relu"), kl.MaxPooling2D((2, 2)),
        kl.Conv2D(64, (3, 3), activation="relu"), kl.Flatten(),
        kl.Dense(64, activation="relu"), kl.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def largest_im2col_mb(model, batch):
    """The biggest im2col matrix of one step, in MB: rows = chunk·oh·ow, columns = kh·kw·c_in,
    for the largest chunk that ``tinynet.parallel`` cuts the batch into."""
    workers = parallel.resolve_workers(model.workers)
    chunk = max(c.stop - c.start for c in parallel.plan(model, batch, True, workers))
    sizes = [chunk * np.prod(layer.output_shape[:2]) * np.prod(layer.kernel_size)
             * layer.input_shape[-1] * 4 for layer in model.layers
             if isinstance(layer, layers.Conv2D)]
    return max(sizes) / 1e6


def peak_step_mb(model, x, y):
    """Peak traced memory of one training step (after one untraced step), in MB."""
    model.train_on_batch(x, y)  # optimizer slots exist from here on, as in a running fit
    tracemalloc.start()
    try:
        model.train_on_batch(x, y)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def clock(base):
    """A callback of class ``base`` that stamps the time at the end of every batch of ``fit``."""

    class StepClock(base):
        def on_batch_end(self, batch, logs=None):  # Keras's on_train_batch_end calls this
            self.stamps.append(time.perf_counter())

    callback = StepClock()
    callback.stamps = []
    return callback


def step_seconds(model, base, x, y, batch, steps, warmup=3):
    """Median seconds per training step inside ``fit``, from the gaps between batch ends.

    Steps inside ``fit`` are what the listings run: the one-off costs of a ``fit`` call
    (Keras's tracing, the data adapter, tinynet's data checks) fall in the ``warmup`` steps.
    """
    n = (warmup + steps) * batch
    stamps = clock(base)
    model.fit(x[:n], y[:n], batch_size=batch, epochs=1, shuffle=False, verbose=0,
              callbacks=[stamps])
    return statistics.median(np.diff(stamps.stamps[warmup - 1:]))


def steps_for(gflop_per_step, budget):
    """Timed steps for one point: about ``budget`` GFLOP of work, between 5 and 50 steps."""
    return int(np.clip(round(budget / gflop_per_step), 5, 50))


def growth_rows(points, reference, flops, frameworks):
    """Table rows: per point, each framework's time and its growth against the FLOP prediction.

    predicted growth = FLOPs(point) / FLOPs(reference); measured growth = t(point) / t(reference);
    deviation = measured / predicted − 1, flagged beyond ±30%.
    """
    rows, flags = [], []
    for p in points:
        predicted = flops[p] / flops[reference]
        cells = [f"{flops[p] / 1e9:.3f}", f"{predicted:.2f}"]
        for times in frameworks.values():
            measured = times[p] / times[reference]
            deviation = measured / predicted - 1
            flag = abs(deviation) > TOLERANCE
            flags.append(flag)
            cells += [f"{times[p] * 1e3:.1f}", f"{flops[p] / times[p] / 1e9:.1f}",
                      f"{measured:.2f}", f"{deviation:+.0%}" + (" ⚠" if flag else "")]
        rows.append(cells)
    return rows, any(flags)


def print_table(title, key, points, rows, frameworks):
    print(f"\n{title}\n")
    head = [key, "tinynet peak MB", "tinynet % of sgemm", "largest im2col MB", "GFLOP/step",
            "predicted growth"]
    for fw in frameworks:
        head += [f"{fw} ms/step", f"{fw} GFLOP/s", f"{fw} measured growth", f"{fw} deviation"]
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join(["---:"] * len(head)) + " |")
    for p, cells in zip(points, rows, strict=True):
        print(f"| {p} | " + " | ".join(cells) + " |")


def plot(path, xs, series, xlabel, ylabel, title, logx=False):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label, (ys, style) in series.items():
        ax.plot(xs, ys, style, label=label)
    if logx:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


NOTE = """Notes on the flagged (⚠) deviations, measured against the FLOP count, which assumes
every matrix product runs at one fixed speed and everything else is free:
- Small batches: each step also pays a per-call cost that does not shrink with the batch
  (tinynet: ~40 NumPy calls of Python dispatch plus Adam over all 10 weight arrays;
  Keras: the tf.function call and its callbacks), and skinny matrix products (few rows)
  run far below the GEMM ceiling. Time then falls slower than the batch: growth above 1.
- Large batches and images: tinynet cuts each batch into chunks of about
  tinynet.parallel.CHUNK_BYTES (see the im2col MB column, per chunk), so its feature maps
  and im2col matrices stay near the caches; where a single sample outgrows them (large
  images), the memory-bound parts (im2col copies, col2im adds, ReLU, pooling) grow with
  bytes moved, not FLOPs. Bigger GEMMs can also run *faster* per FLOP, which shows as
  growth below the prediction.
- Image size also grows the Flatten → Dense(64) kernel (Adam's work grows with it)."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=BATCHES)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES,
                        help="image sizes, multiples of 28")
    parser.add_argument("--gflop-per-point", type=float, default=16.0,
                        help="work timed per point: steps ≈ this / GFLOP per step, 5 to 50")
    parser.add_argument("--no-keras", action="store_true", help="time tinynet only")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: batches 1, 8, 32, 128; sizes 28, 56; 5 steps per point")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="threads for OpenBLAS (set before numpy loads) and TensorFlow")
    parser.add_argument("--workers", type=int, default=None,
                        help="tinynet's compile(workers=); default: one per core")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/bench", help="folder for the PNGs and JSON")
    args = parser.parse_args()
    bench_listings.check_load()
    if args.quick:
        args.batches, args.sizes, args.gflop_per_point = [1, 8, 32, 128], [28, 56], 0.0
    if any(s % 28 for s in args.sizes):
        parser.error("--sizes must be multiples of 28 (digits are blown up by repetition)")
    batches = sorted(set(args.batches) | {REFERENCE_BATCH})
    sizes = sorted(set(args.sizes) | {REFERENCE_SIZE})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    keras, tf_threads = None, None
    if not args.no_keras:
        keras, tf_threads = bench_listings.import_keras(args.blas_threads)
    report, gemm_load = bench_listings.blas_report(), bench_listings.load()
    ceiling = bench_listings.sgemm_gflops()
    print(bench_listings.describe_threads(report, tf_threads))
    print(f"sgemm 2048³ float32: {ceiling:.1f} GFLOP/s (load average {gemm_load:.2f}); times are "
          "medians of the gaps between batch ends inside fit(), after 3 warm-up steps")
    print(f"tinynet workers: {args.workers or f'one per core ({os.cpu_count()})'}; peak MB: "
          "tracemalloc's peak over one training step (inputs, weights, Adam's slots included)")

    def sgemm_share(flops, seconds):
        """tinynet's GFLOP/s at a point as a percentage of this run's sgemm rate."""
        return f"{100 * flops / seconds / 1e9 / ceiling:.0f}%"
    frameworks = ["tinynet"] + ([] if keras is None else ["keras"])
    bases = {"tinynet": callbacks.Callback, "keras": None if keras is None else
             keras.callbacks.Callback}
    loads = []

    def build(fw, size):
        set_random_seed(args.seed)
        if fw == "tinynet":
            return tinynet_cnn(size, args.workers)
        keras.backend.clear_session()
        keras.utils.set_random_seed(args.seed)
        return keras_cnn(keras, size)

    def measure(fw, model, x, y, batch, steps, label):
        seconds = step_seconds(model, bases[fw], x, y, batch, steps)
        loads.append(bench_listings.load())
        print(f"  {fw} {label}: {seconds * 1e3:.2f} ms/step over {steps} steps "
              f"(load {loads[-1]:.2f})", flush=True)
        return seconds

    # -- throughput against batch size, 28×28 images ------------------------------------------
    tiny = tinynet_cnn(REFERENCE_SIZE, args.workers)
    per_sample = bench_listings.gemm_flops_per_sample(tiny)
    batch_flops = {b: per_sample * b for b in batches}
    batch_steps = {b: steps_for(batch_flops[b] / 1e9, args.gflop_per_point) for b in batches}
    n = max((3 + batch_steps[b]) * b for b in batches)
    (x_all, y_all), _ = load_data()
    x_all, y_all = (x_all[:n] / np.float32(255)).astype(np.float32)[..., None], y_all[:n]
    batch_times = {fw: {} for fw in frameworks}
    for fw in frameworks:
        model = build(fw, REFERENCE_SIZE)
        for b in batches:
            batch_times[fw][b] = measure(fw, model, x_all, y_all, b, batch_steps[b], f"batch {b}")
    batch_peak = {b: peak_step_mb(build("tinynet", REFERENCE_SIZE), x_all[:b], y_all[:b])
                  for b in batches}
    rows, flagged_b = growth_rows(batches, REFERENCE_BATCH, batch_flops, batch_times)
    rows = [[f"{batch_peak[b]:.1f}", sgemm_share(batch_flops[b], batch_times["tinynet"][b]),
             f"{largest_im2col_mb(tiny, b):.1f}", *cells]
            for b, cells in zip(batches, rows, strict=True)]
    print_table(f"Training step against batch size (28×28; prediction: time ∝ batch, from "
                f"batch {REFERENCE_BATCH})", "batch", batches, rows, frameworks)

    # -- time per step against image size, batch 32 -------------------------------------------
    size_times = {fw: {} for fw in frameworks}
    size_flops, size_mb, size_peak = {}, {}, {}
    for s in sizes:
        model = tinynet_cnn(s, args.workers)
        size_flops[s] = bench_listings.gemm_flops_per_sample(model) * REFERENCE_BATCH
        size_mb[s] = largest_im2col_mb(model, REFERENCE_BATCH)
        steps = steps_for(size_flops[s] / 1e9, args.gflop_per_point)
        k, n = s // REFERENCE_SIZE, (3 + steps) * REFERENCE_BATCH
        x = x_all[:n].repeat(k, axis=1).repeat(k, axis=2)
        for fw in frameworks:
            size_times[fw][s] = measure(fw, build(fw, s), x, y_all[:n], REFERENCE_BATCH, steps,
                                        f"{s}×{s}")
        size_peak[s] = peak_step_mb(build("tinynet", s), x[:REFERENCE_BATCH],
                                    y_all[:REFERENCE_BATCH])
    rows, flagged_s = growth_rows(sizes, REFERENCE_SIZE, size_flops, size_times)
    rows = [[f"{size_peak[s]:.1f}", sgemm_share(size_flops[s], size_times["tinynet"][s]),
             f"{size_mb[s]:.1f}", *cells] for s, cells in zip(sizes, rows, strict=True)]
    print_table(f"Training step against image size (batch {REFERENCE_BATCH}; prediction: time ∝ "
                f"FLOPs, from {REFERENCE_SIZE}×{REFERENCE_SIZE})", "size", sizes, rows,
                frameworks)
    print(f"\nload average during the sweeps: {min(loads):.2f}–{max(loads):.2f}")
    if flagged_b or flagged_s:
        print("\n" + NOTE)

    # -- plots and record -------------------------------------------------------------------
    styles = {"tinynet": "o-", "keras": "s-"}
    series = {fw: ([b / batch_times[fw][b] for b in batches], styles[fw]) for fw in frameworks}
    for fw in frameworks:  # FLOP-bound: throughput stays at the reference batch's
        level = REFERENCE_BATCH / batch_times[fw][REFERENCE_BATCH]
        series[f"{fw}, FLOP prediction"] = ([level] * len(batches), styles[fw][0] + ":")
    plot(out / "scaling_batch.png", batches, series, "batch size", "samples / s",
         "CNN training step: throughput against batch size", logx=True)
    series = {fw: ([size_times[fw][s] * 1e3 for s in sizes], styles[fw]) for fw in frameworks}
    for fw in frameworks:
        t0 = size_times[fw][REFERENCE_SIZE]
        series[f"{fw}, FLOP prediction"] = (
            [t0 * size_flops[s] / size_flops[REFERENCE_SIZE] * 1e3 for s in sizes],
            styles[fw][0] + ":")
    plot(out / "scaling_image.png", sizes, series, "image size (pixels per side)", "ms / step",
         f"CNN training step (batch {REFERENCE_BATCH}) against image size")
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8))
    for ax, xs, peaks, xlabel in ((axes[0], batches, batch_peak, "batch size (28×28)"),
                                  (axes[1], sizes, size_peak,
                                   f"image size (batch {REFERENCE_BATCH})")):
        ax.plot(xs, [peaks[p] for p in xs], "o-", label="tinynet, traced peak")
        ax.set(xlabel=xlabel, ylabel="MB per training step")
        ax.grid(True, alpha=0.3)
    axes[0].set_xscale("log", base=2)
    axes[0].legend()
    fig.suptitle("Peak memory of one CNN training step (tracemalloc)")
    fig.tight_layout()
    fig.savefig(out / "scaling_memory.png", dpi=120)
    plt.close(fig)
    record = {"settings": vars(args), "blas": report, "tf_threads": tf_threads,
              "sgemm_gflops": ceiling, "load_average": loads,
              "batch": {"flops": batch_flops, "steps": batch_steps, "seconds": batch_times,
                        "peak_mb": batch_peak},
              "image_size": {"flops": size_flops, "seconds": size_times, "peak_mb": size_peak}}
    (out / "bench_scaling.json").write_text(json.dumps(record, indent=2))
    print(f"\nWrote {out / 'scaling_batch.png'}, {out / 'scaling_image.png'}, "
          f"{out / 'scaling_memory.png'} and {out / 'bench_scaling.json'}")


if __name__ == "__main__":
    main()
