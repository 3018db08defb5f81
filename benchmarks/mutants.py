"""The bugs that ``mutation_check.py`` plants, one small source edit each.

Each is a bug that a peer NumPy (or NumPy-like) framework really shipped or had reported, as
the ``origin`` says, written into tinynet's code: an exact ``old`` string in ``path`` becomes
``new``. ``tests`` are the test files that must catch it (NumPy-only ones where they can, so a
run stays short). When the source changes so that an ``old`` string is gone, the check stops
and names the mutant: update it here to the new code, keeping the bug.
"""

from typing import NamedTuple


class Mutant(NamedTuple):
    name: str
    area: str
    origin: str
    path: str
    old: str
    new: str
    tests: tuple


MUTANTS = [
    # -- layers -------------------------------------------------------------------------
    Mutant("col2im_assigns", "layers",
           "col2im with '=' instead of '+=': overlapping windows keep only the last "
           "gradient (proposed in oreilly-japan/deep-learning-from-scratch#27, "
           "pjreddie/darknet#2570)",
           "tinynet/layers/conv.py",
           "dxp[:, p:p + sh * oh:sh, q:q + sw * ow:sw] += dcols[:, :, :, p, q]",
           "dxp[:, p:p + sh * oh:sh, q:q + sw * ow:sw] = dcols[:, :, :, p, q]",
           ("tests/test_gradients.py", "tests/test_fast_paths.py")),
    Mutant("same_padding_extra_on_top_left", "layers",
           "'same' padding's odd extra row/column on the top/left instead of TF's bottom/right "
           "(ARM-software/ComputeLibrary#208, vtjeng/MIPVerify.jl#23)",
           "tinynet/layers/conv.py",
           "return total // 2, total - total // 2",
           "return total - total // 2, total // 2",
           ("tests/test_conv.py",)),
    Mutant("dense_bias_gradient_averaged", "layers",
           "db averaged over the batch although the loss already divides by N: the batch "
           "normalised twice (apache/mxnet#2215)",
           "tinynet/layers/dense.py",
           'self.grads["bias"] = dz2.sum(axis=0)',
           'self.grads["bias"] = dz2.mean(axis=0)',
           ("tests/test_gradients.py",)),
    Mutant("maxpool_ties_all_get_gradient", "layers",
           "max-pool backward routes the gradient to every tied maximum, not only the first "
           "(Theano/Theano#5248)",
           "tinynet/layers/pooling.py",
           "                first &= ~taken\n",
           "",
           ("tests/test_fast_paths.py", "tests/test_textbook.py")),
    Mutant("maxpool_last_maximum_wins", "layers",
           "max-pool picks the last maximum of a window on ties, not the first as TF does "
           "(the tie rule differs between back ends: Theano/Theano#5248)",
           "tinynet/layers/pooling.py",
           "self.argmax = windows.argmax(axis=-1)",
           "self.argmax = ph * pw - 1 - windows[..., ::-1].argmax(axis=-1)",
           ("tests/test_pooling.py",)),
    Mutant("dropout_scaled_by_rate", "layers",
           "inverted dropout divides by rate instead of 1 − rate (lmjohns3/theanets#123, "
           "kaldi-asr/kaldi#2814)",
           "tinynet/layers/dropout.py",
           "self.dtype.type(1 / (1 - self.rate))",
           "self.dtype.type(1 / self.rate)",
           ("tests/test_simple_layers.py",)),
    Mutant("dropout_active_at_inference", "layers",
           "dropout also drops units in predict (keras-team/keras#8069, "
           "rbgirshick/py-faster-rcnn#211: where the scaling belongs)",
           "tinynet/layers/dropout.py",
           "if not training or (self.rate == 0 and self.fixed_mask is None):",
           "if self.rate == 0 and self.fixed_mask is None:",
           ("tests/test_model.py", "tests/test_simple_layers.py")),
    Mutant("lstm_forget_gradient_uses_c_t", "layers",
           "LSTM gate typo: the forget gate's gradient multiplies c_t instead of c_{t−1} "
           "(gate typos in ddbourgin/numpy-ml#42)",
           "tinynet/layers/lstm.py",
           "sigma.backward(dc * cs[:, t], f)",
           "sigma.backward(dc * cs[:, t + 1], f)",
           ("tests/test_recurrent_gradcheck.py",)),
    Mutant("lstm_forget_bias_in_input_block", "layers",
           "LSTM gate bias typo: the forget bias of 1 lands in the input gate's block "
           "(ddbourgin/numpy-ml#42: each gate must use its own bias)",
           "tinynet/layers/lstm.py",
           "return np.concatenate([initializers.initialize(init, (u,), self.dtype),\n"
           "                               np.ones(u, dtype=self.dtype),",
           "return np.concatenate([np.ones(u, dtype=self.dtype),\n"
           "                               initializers.initialize(init, (u,), self.dtype),",
           ("tests/test_recurrent_gradcheck.py",)),
    # -- activations ----------------------------------------------------------------------
    Mutant("softmax_without_max_shift", "activations",
           "softmax exponentiates the raw logits: inf/inf = NaN for large ones "
           "(numenta/nupic-legacy#3818, FluxML/NNlib.jl#43)",
           "tinynet/activations.py",
           "e = np.exp(z - z.max(axis=-1, keepdims=True))",
           "e = np.exp(z)",
           ("tests/test_activation_extremes.py",)),
    Mutant("sigmoid_naive_exp", "activations",
           "sigmoid as 1/(1 + exp(−z)) with exp's overflow left to warn for large negative z "
           "(ahmedfgad/NumPyCNN#13)",
           "tinynet/activations.py",
           "        with np.errstate(over=\"ignore\"):\n"
           "            np.exp(y, out=y)",
           "        np.exp(y, out=y)",
           ("tests/test_activation_extremes.py",)),
    Mutant("softplus_naive_log1p_exp", "activations",
           "softplus as log(1 + exp(z)), inf for large z (rushter/MLAlgorithms#30)",
           "tinynet/activations.py",
           "return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))",
           "return np.log1p(np.exp(z))",
           ("tests/test_activation_extremes.py",)),
    # -- losses ---------------------------------------------------------------------------
    Mutant("sparse_ce_gradient_missing_1_over_n", "losses",
           "softmax cross-entropy's gradient not divided by the batch size "
           "(victorlempitsky/Mate#2, tensorflow/swift-apis#42)",
           "tinynet/losses.py",
           "return float(-np.mean(log_p2[pick])), p / labels.size",
           "return float(-np.mean(log_p2[pick])), p",
           ("tests/test_gradients.py", "tests/test_chain_rule.py")),
    Mutant("categorical_ce_gradient_missing_1_over_n", "losses",
           "the same missing 1/N in the one-hot form (fetchai/ledger#1580: fix average backprop)",
           "tinynet/losses.py",
           "return float(-np.sum(t * log_p) / n), (p - t) / n",
           "return float(-np.sum(t * log_p) / n), (p - t)",
           ("tests/test_gradients.py",)),
    Mutant("mse_gradient_over_batch_not_entries", "losses",
           "MSE's gradient divided by the batch size, not by every averaged entry: "
           "outputs and batch confused (apache/mxnet#2215)",
           "tinynet/losses.py",
           "return (p - _targets(y_true, p)) * (2 / p.size)",
           "return (p - _targets(y_true, p)) * (2 / len(p))",
           ("tests/test_gradients.py",)),
    # -- optimizers -----------------------------------------------------------------------
    Mutant("rmsprop_epsilon_outside_sqrt", "optimizers",
           "RMSprop's ε outside the square root, which TF/Keras put inside "
           "(keras-team/keras#4356, chainer/chainer#4754, pytorch/pytorch#23796, "
           "jax-ml/jax#1427)",
           "tinynet/optimizers/rmsprop.py",
           "denominator = _sqrt_plus(v, self.epsilon)",
           "denominator = np.sqrt(v) + self.epsilon",
           ("tests/test_textbook.py", "tests/test_optimizers.py")),
    Mutant("adam_without_bias_correction", "optimizers",
           "Adam without its bias corrections (oxiglade/mlx-rs#301, karpathy/convnetjs#70)",
           "tinynet/optimizers/adam.py",
           "alpha = f(self.learning_rate) * np.sqrt(1 - beta_2_t) / (1 - beta_1_t)",
           "alpha = f(self.learning_rate)",
           ("tests/test_textbook.py",)),
    Mutant("adagrad_accumulator_starts_at_zero", "optimizers",
           "Adagrad's accumulator starting at 0 instead of Keras's 0.1 "
           "(tensorflow/tensorflow#37819, pytorch/pytorch#6616)",
           "tinynet/optimizers/adagrad.py",
           "w, _as_keras_casts(self.initial_accumulator_value, w))}",
           "w, 0.0)}",
           ("tests/test_textbook.py", "tests/test_optimizers.py")),
    Mutant("nesterov_as_plain_momentum", "optimizers",
           "Nesterov's look-ahead dropped: w += m as with plain momentum "
           "(ShigekiKarita/grain#15-style update-rule slip)",
           "tinynet/optimizers/sgd.py",
           "w += m * mu - step",
           "w += m",
           ("tests/test_textbook.py",)),
    Mutant("adadelta_epsilon_dropped_from_numerator", "optimizers",
           "Adadelta without ε in its numerator sqrt(E[Δ²] + ε): the first step is 0 and so is "
           "every later one (torch/optim#99: where ε goes)",
           "tinynet/optimizers/adadelta.py",
           "delta = _sqrt_plus(ed2, eps) * g",
           "delta = np.sqrt(ed2) * g",
           ("tests/test_textbook.py",)),
    # -- initializers ---------------------------------------------------------------------
    Mutant("glorot_limit_sqrt_24", "initializers",
           "Glorot uniform limit sqrt(24/Σdims) instead of sqrt(6/(fan_in + fan_out)) "
           "(FluxML/Flux.jl#442)",
           "tinynet/initializers.py",
           "limit = np.sqrt(6.0 / (fan_in + fan_out))",
           "limit = np.sqrt(24.0 / (fan_in + fan_out))",
           ("tests/test_initializers_limits.py",)),
    Mutant("conv_fans_without_receptive_field", "initializers",
           "a conv kernel's fans without the receptive field kh·kw "
           "(tensorflow/swift-apis#22, keras-team/keras#2252)",
           "tinynet/initializers.py",
           "return receptive * shape[-2], receptive * shape[-1]",
           "return shape[-2], shape[-1]",
           ("tests/test_variance_scaling.py", "tests/test_simple_layers.py")),
    Mutant("truncated_normal_without_variance_fix", "initializers",
           "truncated normal drawn with σ, not σ/0.8796, so the variance comes out 23% low "
           "(Lasagne/Lasagne#772 on Glorot's variance)",
           "tinynet/initializers.py",
           "stddev = stddev / 0.87962566103423978",
           "stddev = stddev",
           ("tests/test_variance_scaling.py", "tests/test_simple_layers.py")),
    # -- the training loop ----------------------------------------------------------------
    Mutant("shuffled_once_not_every_epoch", "training loop",
           "one permutation reused by every epoch (tracel-ai/burn#701, "
           "choderalab/modelforge#129, NVlabs/VILA#123)",
           "tinynet/trainer.py",
           "order = utils.rng().permutation(n) if shuffle else None",
           "order = ((order if epoch > initial_epoch else utils.rng().permutation(n))\n"
           "                     if shuffle else None)",
           ("tests/test_data_order.py",)),
    Mutant("shuffle_flag_ignored", "training loop",
           "the training set never shuffled although shuffle=True "
           "(ant-research/EasyTemporalPointProcess#54, Nerogar/OneTrainer#96)",
           "tinynet/trainer.py",
           "order = utils.rng().permutation(n) if shuffle else None",
           "order = None",
           ("tests/test_data_order.py",)),
    Mutant("shuffle_false_still_shuffles", "training loop",
           "shuffle=False ignored: the order is always permuted (the reverse slip)",
           "tinynet/trainer.py",
           "order = utils.rng().permutation(n) if shuffle else None",
           "order = utils.rng().permutation(n)",
           ("tests/test_data_order.py",)),
    Mutant("targets_not_permuted_with_inputs", "training loop",
           "x shuffled but y not, in unison no longer (numpy/numpy#8204, Sentdex/pygta5#81)",
           "tinynet/trainer.py",
           "xb, yb = x[idx], y[idx]",
           "xb, yb = x[idx], y[batch]",
           ("tests/test_data_order.py",)),
    Mutant("last_partial_batch_dropped", "training loop",
           "the last, partial batch silently dropped (itdxer/neupy#113, theolepage/prophecy#7, "
           "NVlabs/VILA#123)",
           "tinynet/trainer.py",
           "n, steps = len(x), -(-len(x) // batch_size)",
           "n, steps = len(x), len(x) // batch_size",
           ("tests/test_data_order.py",)),
    Mutant("epoch_loss_weighted_by_nominal_batch", "training loop",
           "the epoch's loss weights each batch by batch_size, not by its real size "
           "(MichiganCOG/ViP#13)",
           "tinynet/trainer.py",
           "# the epoch's figure: batch values weighted by size\n"
           "                        totals[key] = totals.get(key, 0.0) + v * len(xb)",
           "# the epoch's figure: batch values weighted by size\n"
           "                        totals[key] = totals.get(key, 0.0) + v * batch_size",
           ("tests/test_data_order.py",)),
    Mutant("early_stopping_off_by_one", "training loop",
           "EarlyStopping waits one epoch too many (keras-team/keras#8100)",
           "tinynet/callbacks.py",
           "if self.wait >= self.patience and epoch > 0:",
           "if self.wait > self.patience and epoch > 0:",
           ("tests/test_model.py",)),
    Mutant("accuracy_of_label_column_is_categorical", "training loop",
           "'accuracy' with labels of shape (N, 1) resolved to categorical accuracy, an argmax "
           "over one column (keras-team/keras#2471, tensorflow/tensorflow#22392)",
           "tinynet/metrics.py",
           "if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:",
           "if len(y_true_shape) < len(y_pred_shape):",
           ("tests/test_metrics.py", "tests/test_model.py")),
    # -- saving ---------------------------------------------------------------------------
    Mutant("weights_sorted_as_text", "saving",
           "weight entries sorted as text: weight_1000 loads between weight_100 and weight_101 "
           "(deepspeedai/DeepSpeed#3305, pytorch/torchtitan#2177, keras-team/keras#4338)",
           "tinynet/saving.py",
           'keys.sort(key=lambda key: int(key.removeprefix("weight_")))',
           "keys.sort()",
           ("tests/test_bad_cases.py",)),
    # -- the data loader ------------------------------------------------------------------
    Mutant("idx_header_read_little_endian", "data loader",
           "the IDX header's sizes read in native (little-endian) order instead of big-endian "
           "(facebookresearch/qmnist#1)",
           "tinynet/datasets/idx.py",
           'np.frombuffer(data, ">u4", ndim, 4)',
           'np.frombuffer(data, "<u4", ndim, 4)',
           ("tests/test_idx.py",)),
    Mutant("mnist_npz_test_labels_from_train", "data loader",
           "the wrong array picked for a split, images and labels mismatched "
           "(deeplearning4j/deeplearning4j#1016: idx1 and idx3 file names swapped)",
           "tinynet/datasets/mnist.py",
           '("x_train", "y_train", "x_test", "y_test")',
           '("x_train", "y_test", "x_test", "y_train")',
           ("tests/test_mnist.py",)),
    Mutant("mnist_cache_ignores_a_new_path", "data loader",
           "the first load cached for the process, a later path= ignored (tinynet issue 14)",
           "tinynet/datasets/mnist.py",
           'where = str(path or os.environ.get("TINYNET_DATA") or "")',
           'where = ""',
           ("tests/test_tools_clear_errors.py",)),
]
