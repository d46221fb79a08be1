import html as esc


def quote(text):
    return esc.escape(text)
