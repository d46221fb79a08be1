import operator

KEY = operator.itemgetter(0)


def order(pairs):
    return sorted(pairs, key=KEY)
