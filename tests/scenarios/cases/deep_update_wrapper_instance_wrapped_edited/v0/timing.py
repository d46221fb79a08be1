import functools


class Timed:
    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.calls = 0

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)
