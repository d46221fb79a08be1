import json

ENCODE = repr


def encode(value):
    return ENCODE({"a": value})
