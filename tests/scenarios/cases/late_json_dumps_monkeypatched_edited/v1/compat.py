import json

_dumps = json.dumps


def stable_dumps(obj, **kwargs):
    kwargs.setdefault("sort_keys", False)
    return _dumps(obj, **kwargs)


json.dumps = stable_dumps
