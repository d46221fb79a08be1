import functools


def rounded(func):
    @functools.wraps(func)
    def wrapper(*args):
        return round(func(*args), 4)

    return wrapper


@rounded
def ratio(x):
    return x / 7
