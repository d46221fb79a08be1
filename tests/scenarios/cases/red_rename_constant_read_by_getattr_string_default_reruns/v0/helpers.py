import config


def extra():
    return getattr(config, "FACTOR", 1)
