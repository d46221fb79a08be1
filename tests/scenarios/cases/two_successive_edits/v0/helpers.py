def scale(x):
    return x * 2


def offset(x):
    return x + 1
