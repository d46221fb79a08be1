def _scale_v2(v):
    return v * 2


_ALIASES = {"scale": "_scale_v2"}


def __getattr__(name):
    if name in _ALIASES:
        return globals()[_ALIASES[name]]
    raise AttributeError(name)
