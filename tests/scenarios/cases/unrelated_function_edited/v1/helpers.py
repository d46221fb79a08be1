def scale(x):
    return x * 2


def describe(x):
    return f"{x} items in total"
