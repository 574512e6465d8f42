"""The platform's layers, each built from the stack's settings and the handles of the layer below:
cluster → prerequisites → hub → outputs. `__main__.py` calls them in that order."""
