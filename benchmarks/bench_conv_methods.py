"""Three ways to compute a Conv2D forward and backward pass, timed and checked against each other.

1. naive: ``tinynet.textbook.conv``, Python loops over every output element (sample, row,
   column, filter), each a window-times-filter sum. It is so slow that only the first
   ``--naive-samples`` samples are timed and the time is scaled up to the whole batch (the
   output says so).
2. im2col + GEMM: tinynet's ``Conv2D``: copy every window into one row of a matrix, then
   one matrix product; backward is two products and col2im's kh·kw strided adds.
3. sliding_window_view + tensordot / einsum: contract the 6-D window view with the kernel
   directly; backward contracts the view with dz, and col2im as in 2.

    uv run python benchmarks/bench_conv_methods.py --repeats 20
"""

import argparse
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinynet.layers.conv import Conv2D
from tinynet.textbook.conv import conv2d, conv2d_backward

# (input shape at batch 32, filters): the three Conv2D layers of the book's MNIST CNN
SHAPES = [((32, 28, 28, 1), 32), ((32, 13, 13, 32), 64), ((32, 5, 5, 64), 64)]
K = 3  # kernel 3x3, stride 1, 'valid' padding


def col2im(dwindows, x_shape):
    """dwindows (N, oh, ow, kh, kw, C) summed back onto the pixels: kh·kw strided adds."""
    _, oh, ow = dwindows.shape[:3]
    dx = np.zeros(x_shape, dtype=dwindows.dtype)
    for p in range(K):
        for q in range(K):
            dx[:, p:p + oh, q:q + ow] += dwindows[:, :, :, p, q]
    return dx


# windows[n, i, j, c, p, q] = x[n, i + p, j + q, c];  y = windows ⋅ W over (c, p, q)
def view_forward(x, kernel, bias, contract):
    windows = sliding_window_view(x, (K, K), axis=(1, 2))
    if contract == "einsum":
        return np.einsum("nijcpq,pqcf->nijf", windows, kernel, optimize=True) + bias
    return np.tensordot(windows, kernel, axes=([3, 4, 5], [2, 0, 1])) + bias


# dW = windows ⋅ dz over (n, i, j)     dx = col2im(dz ⋅ W over f)
def view_backward(x, kernel, dz, contract):
    windows = sliding_window_view(x, (K, K), axis=(1, 2))
    if contract == "einsum":
        dkernel = np.einsum("nijcpq,nijf->pqcf", windows, dz, optimize=True)
        dwindows = np.einsum("nijf,pqcf->nijpqc", dz, kernel, optimize=True)
    else:
        dkernel = np.tensordot(windows, dz, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)
        dwindows = np.tensordot(dz, kernel, axes=([3], [3]))
    return dkernel, dz.sum(axis=(0, 1, 2)), col2im(dwindows, x.shape)


def median_ms(f, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def im2col_results(layer, x, dz):
    """tinynet's y, dW, db and dx for ``x`` and ``dz``: the numbers every method must give."""
    y = layer.forward(x)
    dx = layer.backward_linear(dz)
    return [y, layer.grads["kernel"], layer.grads["bias"], dx]


def agree(got, want):
    # float32 sums (up to 32·26·26 = 21,632 terms for dW) taken in other orders
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-3)


def bench(shape, filters, repeats, naive_samples, rng):
    x = rng.random(shape, dtype=np.float32)
    layer = Conv2D(filters, K)  # linear, so backward_linear is the whole backward
    layer.forward(x)
    layer.params["bias"][:] = rng.standard_normal(filters)
    kernel, bias = layer.params["kernel"], layer.params["bias"]
    dz = rng.standard_normal((len(x), *layer.output_shape), dtype=np.float32)
    xs, dzs = x[:naive_samples], dz[:naive_samples]
    dx, dkernel, dbias = conv2d_backward(xs, kernel, dzs)
    agree([conv2d(xs, kernel, bias), dkernel, dbias, dx], im2col_results(layer, xs, dzs))
    want = im2col_results(layer, x, dz)
    for contract in ("tensordot", "einsum"):
        agree([view_forward(x, kernel, bias, contract), *view_backward(x, kernel, dz, contract)],
              want)

    scale = len(x) / naive_samples
    rows = {f"naive loops (timed on {naive_samples} of {len(x)} samples, scaled up)": [
                median_ms(lambda: conv2d(xs, kernel, bias), 1) * scale,
                median_ms(lambda: conv2d_backward(xs, kernel, dzs), 1) * scale],
            "im2col + GEMM (tinynet Conv2D)": [
                median_ms(lambda: layer.forward(x), repeats),
                median_ms(lambda: layer.backward_linear(dz), repeats)]}
    for contract in ("tensordot", "einsum"):
        rows[f"sliding_window_view + {contract}"] = [
            median_ms(lambda c=contract: view_forward(x, kernel, bias, c), repeats),
            median_ms(lambda c=contract: view_backward(x, kernel, dz, c), repeats)]

    print(f"\nConv2D({filters}, 3x3) on {shape}, float32, median of {repeats} runs\n")
    print("| method | forward ms | backward ms | speed-up vs naive |")
    print("| --- | ---: | ---: | ---: |")
    naive_total = sum(next(iter(rows.values())))
    for name, (fwd, bwd) in rows.items():
        print(f"| {name} | {fwd:.2f} | {bwd:.2f} | {naive_total / (fwd + bwd):.0f}x |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--naive-samples", type=int, default=1,
                        help="samples the naive loops run on; the time is scaled to the batch")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for shape, filters in SHAPES:
        bench(shape, filters, args.repeats, args.naive_samples, rng)
    print("\nAll methods agree with im2col + GEMM on outputs and gradients "
          "(the naive ones on the samples they ran).")


if __name__ == "__main__":
    main()
