import operator

GET = operator.attrgetter("real")


def parts(values):
    return [GET(v) for v in values]
