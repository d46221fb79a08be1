import json

ENCODE = json.dumps


def encode(value):
    return ENCODE({"a": value})
