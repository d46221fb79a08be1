import functools

ROUND = functools.partial(round, ndigits=1)
