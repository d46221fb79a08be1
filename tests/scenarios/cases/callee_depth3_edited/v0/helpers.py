from textutil import tokenize


def parse(text):
    return [t.upper() for t in tokenize(text)]


def load(text):
    return {"tokens": parse(text)}
