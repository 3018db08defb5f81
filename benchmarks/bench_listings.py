"""Time each book listing's training in tinynet, Keras and (if installed) PyTorch, against sgemm.

    uv run python benchmarks/bench_listings.py --blas-threads 1 --out out/bench
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
from tinynet.layers import Conv2D, Dense  # noqa: E402
from tinynet.models import Sequential  # noqa: E402
from tinynet.utils import set_random_seed  # noqa: E402

# Each framework builds the listing's own model (tinynet/listings/*.py, reference/*.py) with its
# own random initialization. Only fit() is timed, so Keras's times include its one-off
# tf.function tracing, as a user's fit() does. --blas-threads N sets the BLAS variables before
# numpy loads, and TensorFlow's intra- and inter-op pools and PyTorch's threads to N.
# workload → (tinynet listing module, Keras reference script, target ratio tinynet / Keras)
WORKLOADS = {
    "xor": ("tinynet.tools.listings.xor", "xor", 0.01),
    "mlp": ("tinynet.tools.listings.mnist_mlp", "mnist_mlp", 0.35),
    "cnn": ("tinynet.tools.listings.mnist_cnn", "mnist_cnn", 0.6),
}
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
    K = kh·kw·c_in, F = filters. Forward ``z = x·W``, backward ``dW = xᵀ·dz`` and
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


# -- one training run per framework ----------------------------------------------------------
def timed(train):
    """Wall-clock and CPU seconds of ``train()``; CPU time (all of this process's threads) does
    not count the time other processes hold the cores, so it is the steadier figure under load."""
    wall, cpu = time.perf_counter(), time.process_time()
    train()
    return time.perf_counter() - wall, time.process_time() - cpu


def time_tinynet(name, x, y, epochs, seed):
    set_random_seed(seed)
    model = importlib.import_module(WORKLOADS[name][0]).build_model()
    return timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0))


def reference_module(name):
    """A ``reference/*.py`` script loaded as a module (the folder is not a package)."""
    stem = WORKLOADS[name][1]
    spec = importlib.util.spec_from_file_location(f"reference_{stem}",
                                                  ROOT / "reference" / f"{stem}.py")
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds of the MLP")
    parser.add_argument("--slow-repeats", type=int, default=1,
                        help="timed rounds of XOR and the CNN (Keras's XOR: 30-100 s each)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: XOR {QUICK_XOR_EPOCHS} epochs, MNIST "
                             f"{QUICK_SAMPLES} images")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="threads for OpenBLAS (set before numpy loads), TF and PyTorch")
    parser.add_argument("--gemm-size", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for bench_listings.json")
    args = parser.parse_args()

    keras, tf_threads = import_keras(args.blas_threads)
    warm_up(keras)
    try:
        import torch
    except ImportError as error:
        torch, torch_note = None, f"PyTorch: skipped ({error})."
    else:
        if args.blas_threads is not None:
            torch.set_num_threads(args.blas_threads)
        torch_note = f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)."

    report = blas_report()
    gemm_load = load()
    ceiling = sgemm_gflops(args.gemm_size)
    print(f"{describe_threads(report, tf_threads)}\n{torch_note}")
    print(f"sgemm {args.gemm_size}³ float32: {ceiling:.1f} GFLOP/s (median of 5; load average "
          f"{gemm_load:.2f})" + ("; --quick: XOR 100 epochs, MNIST on 1,920 images" * args.quick))

    mnist = load_data() if {"mlp", "cnn"} & set(args.only) else None
    results = {}
    for name in args.only:
        x, y, epochs = workload_data(name, args.quick, mnist)
        set_random_seed(args.seed)
        flops = gemm_flops_per_sample(importlib.import_module(WORKLOADS[name][0]).build_model())
        flops *= len(x) * epochs
        runs = {"tinynet": partial(time_tinynet, name),
                "keras": partial(time_keras, keras, reference_module(name))}
        if torch is not None:
            runs["pytorch"] = partial(time_torch, torch, name)
        rounds = args.repeats if name == "mlp" else args.slow_repeats
        times, cpu_times = {fw: [] for fw in runs}, {fw: [] for fw in runs}
        loads = []
        for _ in range(rounds):
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
            "epochs": epochs, "samples": len(x), "rounds": rounds, "gemm_flops": flops,
            "seconds": times, "median_seconds": med, "ratio_tinynet_keras": ratio,
            "cpu_seconds": cpu_times, "median_cpu_seconds": med_cpu,
            "cpu_ratio_tinynet_keras": med_cpu["tinynet"] / med_cpu["keras"],
            "target_ratio": WORKLOADS[name][2], "met": ratio <= WORKLOADS[name][2],
            "gflops": {fw: flops / t / 1e9 for fw, t in med.items()},
            "load_average": loads}

    print(f"\nTraining time, median of the rounds (n); GFLOP/s counts matrix products only, "
          f"% of the {ceiling:.0f} GFLOP/s sgemm ceiling in brackets\n")
    has_torch = torch is not None
    print("| workload | n | tinynet s | Keras s | ratio tinynet/Keras | target | met? "
          "| tinynet GFLOP/s | Keras GFLOP/s | CPU-time ratio |" + " PyTorch s |" * has_torch
          + " load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |"
          + " ---: |" * has_torch + " ---: |")
    labels = {"xor": "XOR, {e} epochs", "mlp": "MNIST MLP, {e} epoch",
              "cnn": "MNIST CNN, {e} epoch"}
    for name, r in results.items():
        label = labels[name].format(e=r["epochs"]) + f" ({r['samples']:,} samples)" * (
            name != "xor")
        rates = [f"{g:.2f} ({100 * g / ceiling:.1f}%)" if g >= 0.01 else f"{g:.1e}"
                 for g in (r["gflops"]["tinynet"], r["gflops"]["keras"])]
        loads = r["load_average"]
        print(f"| {label} | {r['rounds']} | {r['median_seconds']['tinynet']:.2f} "
              f"| {r['median_seconds']['keras']:.2f} | {r['ratio_tinynet_keras']:.3f} "
              f"| ≤ {r['target_ratio']} | {'yes' if r['met'] else 'no'} | {rates[0]} | {rates[1]} "
              f"| {r['cpu_ratio_tinynet_keras']:.3f} |"
              + f" {fmt(r['median_seconds'].get('pytorch'))} |" * has_torch
              + f" {min(loads):.2f}–{max(loads):.2f} |")
    if not has_torch:
        print("\nPyTorch is not installed here, so its column is left out.")
    if args.quick:
        print("--quick: Keras's one-off tracing (seconds per new model) dominates these short "
              "runs, so their ratios say little about full epochs.")

    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        record = {"settings": vars(args), "python": platform.python_version(),
                  "blas": report, "tf_threads": tf_threads, "keras": keras.__version__,
                  "torch": torch_note, "sgemm": {"n": args.gemm_size, "gflops": ceiling,
                                                 "load_average": gemm_load},
                  "workloads": results}
        path = out / "bench_listings.json"
        path.write_text(json.dumps(record, indent=2))
        print(f"\nWrote {path}")


if __name__ == "__main__":
    main()
