def scale(x):
    return x + x


def plot(x):
    return None
