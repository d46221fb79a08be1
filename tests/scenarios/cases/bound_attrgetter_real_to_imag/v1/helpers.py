import operator

GET = operator.attrgetter("imag")


def parts(values):
    return [GET(v) for v in values]
