LOG = []


def log(event):
    LOG.append(event)


def scale(v):
    log(("scale", v))
    return v * 2
