def shift(self, v):
    return v + 4


def with_shift(cls):
    cls.shift = shift
    return cls
