"""The Keras layer options interop reads, and those it accepts only switched off.

A Keras config entry is one of three kinds: read (``READS``: tinynet has the same argument),
inert (``INERT``: it changes nothing once the weights are copied), or off (``OFF``: tinynet lacks
it, so only its switched-off value is accepted; any entry not listed is off only when None).
"""

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu",
               "gelu", "softplus", "silu", "swish", "hard_sigmoid")
REGULARIZED = ("kernel_regularizer", "bias_regularizer")
# The Keras config entries tinynet reads, per layer; the others must be switched off (OFF).
READS = {"Dense": ("units", "activation", "use_bias", *REGULARIZED),
         "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation", "use_bias",
                    *REGULARIZED),
         "MaxPooling2D": ("pool_size", "strides", "padding"),
         "Flatten": (), "Dropout": ("rate", "seed"), "Activation": ("activation",),
         # these three take the same arguments, by the same names, on both sides
         "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
         "AveragePooling2D": ("pool_size", "strides", "padding"),
         "GlobalAveragePooling2D": ("keepdims",)}
SAME_ARGUMENTS = ("BatchNormalization", "AveragePooling2D", "GlobalAveragePooling2D")
# Entries that change nothing once the weights are copied (dtype is checked on its own;
# trainable is read for every layer). renorm_momentum acts only when renorm is on.
INERT = ("name", "dtype", "trainable", "kernel_initializer", "bias_initializer",
         "beta_initializer", "gamma_initializer", "moving_mean_initializer",
         "moving_variance_initializer", "renorm_momentum")
# The value that switches an entry off; any entry not listed here is off only when None.
OFF = {"data_format": "channels_last", "dilation_rate": (1, 1), "groups": 1,
       "synchronized": False, "renorm": False}
# Recurrent layers and Embedding: what tinynet reads has the same name on both sides. Their
# dropout, state and masking options are implemented only switched off (OFF); seed feeds dropout.
RECURRENT_REGULARIZED = (*REGULARIZED, "recurrent_regularizer")
SEQUENCE_LAYERS = {
    "SimpleRNN": ("units", "activation", "use_bias", "return_sequences", "go_backwards"),
    "LSTM": ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
             "return_sequences", "go_backwards"),
    "GRU": ("units", "activation", "recurrent_activation", "use_bias", "reset_after",
            "return_sequences", "go_backwards"),
    "Embedding": ("input_dim", "output_dim"),
}
SEQUENCE_REGULARIZED = {"SimpleRNN": RECURRENT_REGULARIZED, "LSTM": RECURRENT_REGULARIZED,
                        "GRU": RECURRENT_REGULARIZED, "Embedding": ("embeddings_regularizer",)}
READS.update({kind: (*args, *SEQUENCE_REGULARIZED[kind]) for kind, args in SEQUENCE_LAYERS.items()})
INERT += ("recurrent_initializer", "embeddings_initializer", "seed")
OFF.update({"dropout": 0.0, "recurrent_dropout": 0.0, "stateful": False, "return_state": False,
            "unroll": False, "zero_output_for_mask": False, "mask_zero": False})
