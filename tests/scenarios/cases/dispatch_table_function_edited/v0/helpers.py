def double(x):
    return x * 2


def square(x):
    return x * x


OPERATIONS = {"double": double, "square": square}
