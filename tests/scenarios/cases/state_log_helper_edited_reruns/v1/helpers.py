LOG = []


def log(event):
    LOG.append(("event", event))


def scale(v):
    log(("scale", v))
    return v * 2
