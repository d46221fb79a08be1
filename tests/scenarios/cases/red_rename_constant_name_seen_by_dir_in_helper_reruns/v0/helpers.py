import config


def names():
    return [n for n in dir(config) if n.isupper()]
