import operator

KEY = operator.itemgetter(1)


def order(pairs):
    return sorted(pairs, key=KEY)
