"""Data parallelism: a batch in chunks on worker threads, the chunks' gradients summed.

A training step's loss is a mean over samples, ``L = Σ_c (n_c/n)·L_c`` over chunks ``c`` of
``n_c`` samples, so its gradient is ``∂L/∂w = Σ_c (n_c/n)·∂L_c/∂w``: each chunk runs forward and
backward on its own, with the loss's ``dy`` scaled by ``n_c/n``, and the chunks' ``grads`` are
added. The step equals the full-batch step up to float rounding. This is the idea that Horovod
and PyTorch's DDP use across machines (all-reduce of the gradients), here across threads of one
process: NumPy releases the GIL inside ufuncs and BLAS, so the threads truly run in parallel.

- Each worker thread owns a *replica* of the model: shallow copies of the layers, sharing the
  ``params`` arrays but with their own ``grads`` and caches, and one BLAS thread.
- Chunks are sized by bytes (``CHUNK_BYTES``), so no step holds the whole batch's im2col.
- A layer whose training output mixes samples (``mixes_batch``, e.g. BatchNormalization's
  batch statistics) runs the step as one chunk. Dropout's masks are drawn per chunk, in chunk
  order, from the layer's generator: the same numbers as one draw for the whole batch.
"""

import contextlib
import copy
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tinynet import activations, losses, regularizers, validation
from tinynet.layers.dropout import Dropout
from tinynet.layers.rnn import RNN

CHUNK_BYTES = 16 << 20  # activations + im2col per chunk: two workers share a 32 MB L3
# A chunk does at least this many FLOPs of matrix products per pass over its layers, so that
# its fixed cost (a few dozen Python calls, holding the GIL) stays small beside them; a step
# that can't fill two chunks runs whole (XOR; the MLP, whose 39-MFLOP chunks ran 1.7× slower
# split). A recurrent layer pays that cost at every time step, so passes() multiplies the bound.
MIN_CHUNK_FLOPS = 100e6
# Every chunk streams all the weights about five times (forward, dx, dW, the sum of the dWs), so
# a chunk does at least this many FLOPs per weight byte; 5× more when the weights outgrow the
# chunk budget and come from RAM (the Dense after Flatten of a 112×112 CNN holds 9 MB)
FLOPS_PER_WEIGHT_BYTE = 20
WHOLE_BYTES = 256 << 20  # past this working set, chunks even on one worker (else 2 GB peaks)
_ACTIVATIONS = tuple(activations.ACTIVATIONS.values())
_pool, _pool_size, _blas, _held = None, 0, None, False


def resolve_workers(workers):
    """``workers`` checked: ``None`` means one per core (``os.cpu_count()``)."""
    if workers is None:
        return os.cpu_count() or 1
    return validation.check_int(workers, "workers", minimum=1, example="workers=1 (no threads)",
                                none_ok=True)


# -- the plan: how many chunks, and which samples each one holds ----------------------------
def flops_per_sample(model):
    """Matrix-product FLOPs of one forward pass per sample: 2·|W|·(positions W is applied at)."""
    total = 0
    for layer in model.layers:
        positions = max(int(np.prod(layer.input_shape[:-1])), int(np.prod(layer.output_shape[:-1])))
        total += 2 * positions * sum(w.size for w in layer.params.values())
    return total


def passes(model):
    """How many times a step walks the layers in Python: once, or once per time step of each
    recurrent layer (its loop runs in Python)."""
    return 1 + sum(layer.input_shape[0] for layer in model.layers if isinstance(layer, RNN))


def bytes_per_sample(model):
    """Rough working set of one sample in a training step: each output about 3 times (z, y and
    its dy), and a convolution's im2col matrix twice (cols and their gradient)."""
    total = 0
    for layer in model.layers:
        total += 3 * int(np.prod(layer.output_shape))
        if hasattr(layer, "kernel_size") and hasattr(layer, "filters"):  # Conv2D's im2col
            total += 2 * int(np.prod(layer.output_shape[:2]) * np.prod(layer.kernel_size)
                             * layer.input_shape[-1])
    return total * model.dtype.itemsize


def plan(model, n, training, workers):
    """The chunks of a batch of ``n`` samples, as slices in sample order.

    One chunk (today's path) when ``workers == 1``, when the step is too small to pay for the
    threads, or in training when a layer mixes samples or the loss is not a per-sample mean.
    Otherwise chunks of about ``CHUNK_BYTES`` (but enough samples to pay for streaming the
    weights), their count a multiple of the workers so each gets the same share, and the sizes
    as even as slices of one size allow. A step whose whole working set passes
    ``WHOLE_BYTES`` is chunked even on one worker (one after another), so memory stays bounded.
    """
    whole, flops = [slice(0, n)], max(1, 3 * flops_per_sample(model))  # forward, dW, dx
    min_flops = MIN_CHUNK_FLOPS * passes(model)
    big = n * bytes_per_sample(model) > WHOLE_BYTES  # chunked even on one worker, for memory
    if (workers == 1 and not big) or n < 2 or n * flops < 2 * min_flops:
        return whole
    if training and any(getattr(layer, "mixes_batch", False) for layer in model.layers):
        return whole
    if model.loss is not None and type(model.loss) not in losses.LOSSES.values():
        return whole  # a loss of one's own may not be a per-sample mean: evaluate it whole too
    weight_bytes = sum(w.nbytes for layer in model.layers for w in layer.params.values())
    ratio = FLOPS_PER_WEIGHT_BYTE * (5 if weight_bytes > CHUNK_BYTES else 1)
    per_chunk = max(1, CHUNK_BYTES // max(1, bytes_per_sample(model)),
                    -(-ratio * weight_bytes // flops), -(-int(min_flops) // flops))
    count = -(-n // per_chunk)
    count = min(n, -(-count // workers) * workers)
    size = -(-n // count)
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


@contextlib.contextmanager
def one_blas_thread(model, batch_size, training):
    """One BLAS thread per worker for a whole loop of batches that run in chunks.

    Setting the limit once per loop, not per step: switching it every step parks and wakes
    OpenBLAS's threads each time (measured on the CNN: 6.8 ms a step against 5.7).
    """
    global _held
    workers = resolve_workers(model.workers)
    chunked = len(plan(model, batch_size, training, workers)) > 1
    if workers == 1 or not chunked or _held:
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        _held = True
        try:
            yield
        finally:
            _held = False


def _controller():
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController
        _blas = ThreadpoolController()
    return _blas


# -- the replicas ------------------------------------------------------------------------
class ChunkLoss:
    """A chunk's share of a batch-mean loss: value and ``dy`` times ``weight = n_c/n``."""

    def __init__(self, loss, weight):
        self.loss, self.weight, self.fuses_with = loss, weight, loss.fuses_with

    def __call__(self, y_true, y_pred):
        return self.loss(y_true, y_pred) * self.weight

    def gradient(self, y_true, y_pred):
        return self.loss.gradient(y_true, y_pred) * self.weight

    def from_logits(self, y_true, z):
        value, dz = self.loss.from_logits(y_true, z)
        return value * self.weight, dz * self.weight


def replica(model):
    """A model sharing ``model``'s weights, with layers of its own (own caches and ``grads``).

    Regularizers are left to the whole batch: their penalty is added once per step, not per
    chunk. Activations are copied, since some (GELU, Swish) cache arrays between the passes.
    """
    twin = copy.copy(model)
    twin.layers = []
    for layer in model.layers:
        copied = copy.copy(layer)
        copied.grads, copied.regularizers = {}, {}
        for key, value in vars(layer).items():
            if isinstance(value, _ACTIVATIONS):
                setattr(copied, key, copy.copy(value))
        twin.layers.append(copied)
    return twin


def _dropout_masks(model, chunks, training):
    """Per Dropout layer, the keep-mask of every chunk, drawn now in chunk order."""
    masks = {}
    for i, layer in enumerate(model.layers):
        if not (training and isinstance(layer, Dropout)):
            continue
        if layer.fixed_mask is not None:
            masks[i] = [np.asarray(layer.fixed_mask)[c] for c in chunks]
        elif layer.rate > 0:
            masks[i] = [layer._keep((c.stop - c.start, *layer.input_shape)) for c in chunks]
    return masks


def _run_chunks(twin, jobs, x, y, n, training, masks):
    """One worker: forward (and backward) of its chunks; returns outputs, loss and grads."""
    loss, outputs, value, grads = twin.loss, {}, 0.0, None
    for i, chunk in jobs:
        for index, per_chunk in masks.items():
            twin.layers[index].fixed_mask = per_chunk[i]
        outputs[i] = y_pred = twin._forward(x[chunk], training=training)
        if y is None:
            continue
        twin.loss = ChunkLoss(loss, (chunk.stop - chunk.start) / n)
        if not training:
            value += twin._loss_value(y[chunk], y_pred)
            continue
        value += twin._loss_and_backward(y[chunk], y_pred)
        layer_grads = [dict(layer.grads) for layer in twin.layers]
        if grads is None:
            grads = layer_grads
        else:
            for total, new in zip(grads, layer_grads, strict=True):
                for key, g in new.items():
                    total[key] += g
    return outputs, value, grads


def run(model, x, y, chunks, training, workers):
    """Forward over ``x`` in ``chunks`` on ``workers`` threads, and in training backward.

    Returns ``(loss, y_pred)``; ``loss`` is ``None`` without ``y``. In training the summed
    gradients land in the model's layers' ``grads``, as one whole-batch backward leaves them.
    """
    global _pool, _pool_size
    n, workers = len(x), min(workers, len(chunks))
    jobs = [[(i, c) for i, c in enumerate(chunks) if i % workers == w] for w in range(workers)]
    masks = _dropout_masks(model, chunks, training)
    twins = [replica(model) for _ in range(workers)]
    if workers - 1 > _pool_size:  # the calling thread is worker 0
        _pool_size = workers - 1
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="tinynet")
    limit = (contextlib.nullcontext() if _held or workers == 1
             else _controller().limit(limits=1, user_api="blas"))
    with limit:  # one BLAS thread per worker
        futures = [_pool.submit(_run_chunks, twins[w], jobs[w], x, y, n, training, masks)
                   for w in range(1, workers)]
        results = [_run_chunks(twins[0], jobs[0], x, y, n, training, masks)]
        results += [f.result() for f in futures]
    outputs = {i: out for result in results for i, out in result[0].items()}
    y_pred = np.concatenate([outputs[i] for i in range(len(chunks))])
    if y is None:
        return None, y_pred
    value = sum(result[1] for result in results)
    if training:
        total = results[0][2]
        for result in results[1:]:  # in worker order: the same sums every run
            for summed, new in zip(total, result[2], strict=True):
                for key, g in new.items():
                    summed[key] += g
        for layer, summed in zip(model.layers, total, strict=True):
            layer.grads.update(summed)
        return value + regularizers.apply(model.layers), y_pred
    return value + regularizers.penalty(model.layers), y_pred
