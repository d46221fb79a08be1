import config


def extra():
    return 100 if hasattr(config, "FACTOR") else 0
