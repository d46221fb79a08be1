import operator

CALL = operator.methodcaller("upper")


def convert(words):
    return list(map(CALL, words))
