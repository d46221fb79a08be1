import config


def names():
    return sorted(k for k in vars(config) if k.isupper())
