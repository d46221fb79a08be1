PIPE = (str.strip, str.upper)


def clean(text):
    for fn in PIPE:
        text = fn(text)
    return text
