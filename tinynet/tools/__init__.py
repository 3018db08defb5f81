"""tinynet's tools, apart from the framework: the CLI, the listings, `explain` and Keras interop.

Nothing in the framework (layers, losses, optimizers, the model, saving) imports from here.
"""
