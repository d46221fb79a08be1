def scale(x):
    return x * 2


def plot(x):
    return None
