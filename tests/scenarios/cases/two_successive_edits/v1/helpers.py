def scale(x):
    return x * 3


def offset(x):
    return x + 1
