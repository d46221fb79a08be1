import functools

PICK = functools.partial(min, default=0)
