import xml.sax.saxutils as esc


def quote(text):
    return esc.escape(text)
