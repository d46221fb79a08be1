import operator

CALL = operator.methodcaller("lower")


def convert(words):
    return list(map(CALL, words))
