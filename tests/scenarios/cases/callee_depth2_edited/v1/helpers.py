def clean(x):
    return max(x, 0)


def prepare(x):
    return [clean(x - 5), clean(x)]
