import importlib


def __getattr__(name):
    if name == "scale":
        return getattr(importlib.import_module("_impl"), name)
    raise AttributeError(name)
