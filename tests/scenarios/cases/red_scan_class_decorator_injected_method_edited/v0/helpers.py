def shift(self, v):
    return v + 1


def with_shift(cls):
    cls.shift = shift
    return cls
