def scale(x):
    return x * 2


def plot(x):
    print('plotting', x)
    return None
