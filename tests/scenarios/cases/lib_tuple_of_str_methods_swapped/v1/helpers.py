PIPE = (str.strip, str.lower)


def clean(text):
    for fn in PIPE:
        text = fn(text)
    return text
