def op_double(x):
    return x * 2


def op_square(x):
    return x ** 3
