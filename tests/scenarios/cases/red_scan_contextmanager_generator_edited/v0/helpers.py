import contextlib


@contextlib.contextmanager
def scaled(v):
    yield v * 2
