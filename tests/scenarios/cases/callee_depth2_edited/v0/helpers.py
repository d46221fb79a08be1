def clean(x):
    return abs(x)


def prepare(x):
    return [clean(x - 5), clean(x)]
