"""Time each book listing's training in tinynet, Keras and PyTorch in one run, against sgemm.

    uv sync --extra bench        # PyTorch and matplotlib, for this script only (never in CI)
    uv run python benchmarks/bench_listings.py --out out/bench

The `bench` extra installs PyTorch from PyPI; on Linux that wheel bundles CUDA (~2 GB). The
CPU-only build is smaller and is what the README's figures use:

    uv pip install torch --index-url https://download.pytorch.org/whl/cpu

Without PyTorch its column is left out. Every figure is the median of --repeats rounds, the
frameworks alternating within each round so that load hits them alike; the load average is
printed at the start (with a warning above 0.5: measure on a quiet machine) and beside every
figure. --out writes bench_listings.json and bench_listings.png (a bar chart per listing).
"""

import argparse
import ctypes
import importlib
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import warnings
from functools import partial
from pathlib import Path

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
ROOT = Path(__file__).resolve().parents[1]


def blas_threads_arg(argv):
    """The ``--blas-threads`` value in ``argv`` (``None`` if absent), read before numpy loads."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--blas-threads", type=int)
    threads = early.parse_known_args(argv)[0].blas_threads
    if threads is not None and threads < 1:
        sys.exit("--blas-threads must be a positive int")
    return threads


def limit_threads(threads):
    """Set every BLAS/OpenMP thread variable to ``threads`` (no-op for ``None``)."""
    if threads is not None:
        for var in THREAD_VARS:
            os.environ[var] = str(threads)


# OpenBLAS sizes its thread pool once, when numpy first loads, so this must run before the
# import below (bench_scaling.py imports this module first for the same reason).
limit_threads(blas_threads_arg(sys.argv[1:]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from tinynet.datasets.mnist import load_data  # noqa: E402
from tinynet.layers import LSTM, Conv2D, Dense  # noqa: E402
from tinynet.models import Sequential  # noqa: E402
from tinynet.utils import set_random_seed  # noqa: E402

# Each framework builds the listing's own model (tinynet/listings/*.py, reference/*.py) with its
# own random initialization. Only fit() is timed, so Keras's times include its one-off
# tf.function tracing, as a user's fit() does. --blas-threads N sets the BLAS variables before
# numpy loads, and TensorFlow's intra- and inter-op pools and PyTorch's threads to N.
# workload → (tinynet listing module, Keras reference script, target ratio tinynet / Keras)
WORKLOADS = {
    "xor": ("tinynet.tools.listings.xor", "xor", 0.01),
    "mlp": ("tinynet.tools.listings.mnist_mlp", "mnist_mlp", 0.30),
    "cnn": ("tinynet.tools.listings.mnist_cnn", "mnist_cnn", 0.8),
    "mnist_lstm": ("tinynet.tools.listings.mnist_lstm", "mnist_lstm", 0.5),
}
LABELS = {"xor": "XOR, {e} epochs", "mlp": "MNIST MLP, {e} epoch", "cnn": "MNIST CNN, {e} epoch",
          "mnist_lstm": "MNIST LSTM, {e} epoch"}
LSTM_UNITS = 128  # mnist_lstm's PyTorch twin: each image read row by row, 28 steps of 28 pixels
BATCH = 32
QUICK_SAMPLES = 1920  # 60 steps of 32 images with --quick
QUICK_XOR_EPOCHS = 100


# -- the machine ---------------------------------------------------------------------------
def openblas_threads():
    """The thread count OpenBLAS itself reports, read from numpy's bundled library, or None."""
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for lib in sorted(libs.glob("*openblas*")):
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                       "scipy_openblas_get_num_threads", "openblas_get_num_threads"):
            try:
                return int(getattr(ctypes.CDLL(str(lib)), symbol)())
            except (OSError, AttributeError):
                continue
    return None


def blas_report():
    """numpy's BLAS library, the thread variables as set, and OpenBLAS's own thread count."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {"numpy": np.__version__, "blas": f"{blas['name']} {blas.get('version', '')}".strip(),
            "env": {var: os.environ.get(var, "unset") for var in THREAD_VARS},
            "openblas_threads": openblas_threads(), "cpu_count": os.cpu_count()}


def describe_threads(report, tf_threads=None):
    """One line for the output: the BLAS thread setting and how it was reached."""
    env = ", ".join(f"{k}={v}" for k, v in report["env"].items())
    line = (f"{report['blas']}, numpy {report['numpy']}; {env}; OpenBLAS reports "
            f"{report['openblas_threads'] or '?'} thread(s) on {report['cpu_count']} cores")
    if tf_threads:
        line += f"; TensorFlow intra/inter-op threads {tf_threads}"
    return line


def load():
    """The 1-minute load average, to print beside each figure."""
    return os.getloadavg()[0]


def sgemm_gflops(n=2048, repeats=5, seed=0):
    """Median GFLOP/s of a float32 n×n·n×n product (2n³ FLOPs): the machine's GEMM ceiling."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm up: threads started, pages touched
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


# -- FLOP count ------------------------------------------------------------------------------
def gemm_flops_per_sample(model):
    """Matrix-product FLOPs of one training step, per sample, of a built tinynet model.

    Each weighted layer is one (M×K)·(K×F) product per sample, M·K·F multiply-adds:
    Dense has M = 1, K = inputs, F = units; Conv2D (im2col) has M = oh·ow output pixels,
    K = kh·kw·c_in, F = filters; LSTM has M = T steps and K = inputs + units (x·W and h·U),
    F = 4·units. Forward ``z = x·W``, backward ``dW = xᵀ·dz`` and
    ``dx = dz·Wᵀ`` are one such product each, 2·M·K·F FLOPs; the model skips ``dx`` on its
    lowest weighted layer (``compute_dx`` False). So per sample:

        FLOPs = Σ_layers 2·M·K·F · (3 if compute_dx else 2)

    Activations, pooling, bias sums, the loss and Adam are elementwise and not counted.
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, Dense):
            m = int(np.prod(layer.input_shape[:-1]))
            macs = m * layer.input_shape[-1] * layer.units
        elif isinstance(layer, Conv2D):
            (oh, ow, filters), (kh, kw) = layer.output_shape, layer.kernel_size
            macs = oh * ow * kh * kw * layer.input_shape[-1] * filters
        elif isinstance(layer, LSTM):
            (steps, inputs), units = layer.input_shape, layer.units
            macs = steps * (inputs + units) * 4 * units
        else:
            continue
        total += 2 * macs * (3 if layer.compute_dx else 2)
    return total


# -- data --------------------------------------------------------------------------------------
def workload_data(name, quick, mnist):
    """``(x, y, epochs)`` for a workload, as float32 inputs scaled as the listing does."""
    if name == "xor":
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
        y = np.array([[0], [1], [1], [0]], dtype=np.float32)
        return x, y, QUICK_XOR_EPOCHS if quick else 1000
    (x, y), _ = mnist
    if quick:
        x, y = x[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
    x = (x / np.float32(255)).astype(np.float32)
    return (x[..., None] if name == "cnn" else x), y, 1


def build_tinynet(name):
    """The listing's tinynet model, from ``tinynet/tools/listings/*.py``."""
    return importlib.import_module(WORKLOADS[name][0]).build_model()


# -- one training run per framework ----------------------------------------------------------
def timed(train):
    """Wall-clock and CPU seconds of ``train()``; CPU time (all of this process's threads) does
    not count the time other processes hold the cores, so it is the steadier figure under load."""
    wall, cpu = time.perf_counter(), time.process_time()
    train()
    return time.perf_counter() - wall, time.process_time() - cpu


def time_tinynet(name, x, y, epochs, seed, workers=None):
    """tinynet's fit; ``workers`` as ``compile(workers=)``: None is one thread per core."""
    set_random_seed(seed)
    model = build_tinynet(name)
    model.workers = workers
    return timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0))


def reference_module(name):
    """A ``reference/*.py`` script loaded as a module (the folder is not a package)."""
    stem = WORKLOADS[name][1]
    path = ROOT / "reference" / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"reference_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_keras(threads):
    """Keras on TensorFlow, with both TF thread pools set to ``threads`` before any op runs."""
    import tensorflow as tf

    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    # the listings pass input_shape= to their first layer, as the book does; Keras 3 warns
    warnings.filterwarnings("ignore", message="Do not pass an `input_shape`", module="keras")

    pools = (tf.config.threading.get_intra_op_parallelism_threads(),
             tf.config.threading.get_inter_op_parallelism_threads())
    return keras, "/".join(str(p or "default") for p in pools)


def warm_up(keras):
    """One tiny fit per framework, so that neither's first workload pays the process's start-up."""
    x, y = np.zeros((4, 2), dtype=np.float32), np.zeros((4, 1), dtype=np.float32)
    for model in (keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
                  Sequential([Dense(1, input_dim=2)])):
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=2, verbose=0)


def time_keras(keras, module, x, y, epochs, seed):
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = module.build_model()
    return timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0))


def torch_model(torch, name):
    """The listing's model in PyTorch (NCHW for the CNN) and its loss on logits."""
    nn = torch.nn
    if name == "xor":
        return nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)), nn.MSELoss()
    if name == "mnist_lstm":
        class LastStep(nn.Module):  # LSTM(128) → its last h → Linear(10), as the listing
            def __init__(self):
                super().__init__()
                self.lstm, self.head = nn.LSTM(28, LSTM_UNITS, batch_first=True), nn.Linear(
                    LSTM_UNITS, 10)

            def forward(self, x):
                return self.head(self.lstm(x)[0][:, -1])

        return LastStep(), nn.CrossEntropyLoss()
    if name == "mlp":
        layers = [nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                  nn.Linear(512, 10)]
    else:
        layers = [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
                  nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10)]
    return nn.Sequential(*layers), nn.CrossEntropyLoss()  # softmax fused into the loss


def time_torch(torch, name, x, y, epochs, seed):
    """A plain PyTorch loop: shuffled batches of 32, Adam(lr=1e-3, ε=1e-7) as Keras's."""
    torch.manual_seed(seed)
    model, loss_fn = torch_model(torch, name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    xs = torch.from_numpy(x.transpose(0, 3, 1, 2).copy() if name == "cnn" else x)
    ys = torch.from_numpy(y if name == "xor" else y.astype(np.int64))
    model.train()

    def fit():
        for _ in range(epochs):
            order = torch.randperm(len(xs))
            for i in range(0, len(xs), BATCH):
                idx = order[i:i + BATCH]
                optimizer.zero_grad()
                loss_fn(model(xs[idx]), ys[idx]).backward()
                optimizer.step()

    return timed(fit)


# -- the run ---------------------------------------------------------------------------------
def median(values):
    return statistics.median(values) if values else None


def fmt(value, spec=".2f", missing="—"):
    return missing if value is None else format(value, spec)


def check_load():
    """Print the 1-, 5- and 15-minute load averages; warn when the machine is not quiet."""
    loads = os.getloadavg()
    print(f"load average at start: {loads[0]:.2f} {loads[1]:.2f} {loads[2]:.2f} (1, 5, 15 min)")
    if loads[0] > 0.5:
        print(f"WARNING: load average {loads[0]:.2f} > 0.5: other processes share the cores, so "
              "these times are too high and their ratios unreliable. Measure on a quiet "
              "machine.", flush=True)


def plot(path, results, frameworks):
    """One group of bars per listing, one bar per framework: seconds, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    width = 0.8 / len(frameworks)
    fig, ax = plt.subplots(figsize=(1.6 + 1.9 * len(names), 4.2))
    for k, fw in enumerate(frameworks):
        xs = [i + (k - (len(frameworks) - 1) / 2) * width for i in range(len(names))]
        ys = [results[n]["median_seconds"].get(fw) or 0 for n in names]
        bars = ax.bar(xs, ys, width, label=fw)
        ax.bar_label(bars, labels=[f"{y:.2g}" if y else "" for y in ys], fontsize=7)
    ax.set_xticks(range(len(names)),
                  [LABELS[n].format(e=results[n]["epochs"]) for n in names], fontsize=8)
    ax.set_yscale("log")
    loads = [v for r in results.values() for v in r["load_average"]]
    ax.set(ylabel="training time, s (median, log scale)",
           title=f"Training time per listing, one run (load average "
                 f"{min(loads):.2f}–{max(loads):.2f})")
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed rounds of every workload; the median is reported")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: XOR {QUICK_XOR_EPOCHS} epochs, MNIST "
                             f"{QUICK_SAMPLES} images")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="threads for OpenBLAS (set before numpy loads), TF and PyTorch")
    parser.add_argument("--workers", type=int, default=None,
                        help="tinynet's compile(workers=); default: one per core")
    parser.add_argument("--one-worker", action="store_true",
                        help="also time tinynet with workers=1 (data parallelism off)")
    parser.add_argument("--gemm-size", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/bench",
                        help="folder for bench_listings.json and bench_listings.png")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    check_load()

    keras, tf_threads = import_keras(args.blas_threads)
    warm_up(keras)
    try:
        import torch
    except ImportError as error:
        torch, torch_note = None, (f"PyTorch: skipped ({error}); install it with "
                                   "`uv sync --extra bench` (see --help).")
    else:
        if args.blas_threads is not None:
            torch.set_num_threads(args.blas_threads)
        torch_note = f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)."

    report = blas_report()
    gemm_load = load()
    ceiling = sgemm_gflops(args.gemm_size)
    print(f"{describe_threads(report, tf_threads)}\n{torch_note}")
    print(f"tinynet workers: {args.workers or f'one per core ({os.cpu_count()})'}"
          + ("; also workers=1" if args.one_worker else ""))
    print(f"sgemm {args.gemm_size}³ float32: {ceiling:.1f} GFLOP/s (median of 5; load average "
          f"{gemm_load:.2f})" + ("; --quick: XOR 100 epochs, MNIST on 1,920 images" * args.quick))

    mnist = load_data() if (set(WORKLOADS) - {"xor"}) & set(args.only) else None
    results = {}
    for name in args.only:
        x, y, epochs = workload_data(name, args.quick, mnist)
        set_random_seed(args.seed)
        flops = gemm_flops_per_sample(build_tinynet(name)) * len(x) * epochs
        runs = {"tinynet": partial(time_tinynet, name, workers=args.workers)}
        if args.one_worker:
            runs["tinynet, 1 worker"] = partial(time_tinynet, name, workers=1)
        runs["keras"] = partial(time_keras, keras, reference_module(name))
        if torch is not None:
            runs["pytorch"] = partial(time_torch, torch, name)
        times, cpu_times = {fw: [] for fw in runs}, {fw: [] for fw in runs}
        loads = []
        for _ in range(args.repeats):
            for fw, run in runs.items():  # alternate, so load hits every framework alike
                wall, cpu = run(x, y, epochs, args.seed)
                times[fw].append(wall)
                cpu_times[fw].append(cpu)
                loads.append(load())
                print(f"  {name} {fw}: {wall:.2f} s, CPU {cpu:.2f} s (load {loads[-1]:.2f})",
                      flush=True)
        med = {fw: median(t) for fw, t in times.items()}
        med_cpu = {fw: median(t) for fw, t in cpu_times.items()}
        ratio = med["tinynet"] / med["keras"]
        results[name] = {
            "epochs": epochs, "samples": len(x), "rounds": args.repeats, "gemm_flops": flops,
            "seconds": times, "median_seconds": med, "ratio_tinynet_keras": ratio,
            "ratio_tinynet_pytorch": med["tinynet"] / med["pytorch"] if torch else None,
            "cpu_seconds": cpu_times, "median_cpu_seconds": med_cpu,
            "cpu_ratio_tinynet_keras": med_cpu["tinynet"] / med_cpu["keras"],
            "target_ratio": WORKLOADS[name][2], "met": ratio <= WORKLOADS[name][2],
            "gflops": {fw: flops / t / 1e9 for fw, t in med.items()},
            "load_average": loads}

    print(f"\nTraining time, median of {args.repeats} rounds; GFLOP/s counts matrix products "
          f"only, % of the {ceiling:.0f} GFLOP/s sgemm ceiling in brackets\n")
    has_torch, one = torch is not None, args.one_worker
    print("| workload | tinynet s |" + " tinynet 1 worker s |" * one + " Keras s |"
          + " PyTorch s |" * has_torch + " tinynet/Keras | target | met? |"
          + " tinynet/PyTorch |" * has_torch
          + " tinynet GFLOP/s | Keras GFLOP/s | CPU-time ratio | load avg |")
    print("| --- |" + " ---: |" * (4 + one + has_torch) + " :---: |" + " ---: |" * (4 + has_torch))
    for name, r in results.items():
        label = LABELS[name].format(e=r["epochs"]) + f" ({r['samples']:,} samples)" * (
            name != "xor")
        rates = [f"{g:.2f} ({100 * g / ceiling:.1f}%)" if g >= 0.01 else f"{g:.1e}"
                 for g in (r["gflops"]["tinynet"], r["gflops"]["keras"])]
        m, loads = r["median_seconds"], r["load_average"]
        print(f"| {label} | {m['tinynet']:.2f} |" + f" {fmt(m.get('tinynet, 1 worker'))} |" * one
              + f" {m['keras']:.2f} |" + f" {fmt(m.get('pytorch'))} |" * has_torch
              + f" {r['ratio_tinynet_keras']:.3f} | ≤ {r['target_ratio']} "
              f"| {'yes' if r['met'] else 'no'} |"
              + f" {fmt(r['ratio_tinynet_pytorch'], '.3f')} |" * has_torch
              + f" {rates[0]} | {rates[1]} | {r['cpu_ratio_tinynet_keras']:.3f} "
              f"| {min(loads):.2f}–{max(loads):.2f} |")
    if not has_torch:
        print("\nPyTorch is not installed here, so its column is left out (see --help).")
    if args.quick:
        print("--quick: Keras's one-off tracing (seconds per new model) dominates these short "
              "runs, so their ratios say little about full epochs.")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = {"settings": vars(args), "python": platform.python_version(),
              "blas": report, "tf_threads": tf_threads, "keras": keras.__version__,
              "torch": torch_note, "sgemm": {"n": args.gemm_size, "gflops": ceiling,
                                             "load_average": gemm_load},
              "workloads": results}
    path = out / "bench_listings.json"
    path.write_text(json.dumps(record, indent=2))
    frameworks = list(next(iter(results.values()))["median_seconds"]) if results else []
    plot(out / "bench_listings.png", results, frameworks)
    print(f"\nWrote {path} and {out / 'bench_listings.png'}")


if __name__ == "__main__":
    main()
