def span(hi, lo):
    return hi - lo
