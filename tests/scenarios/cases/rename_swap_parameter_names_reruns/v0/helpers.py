def span(lo, hi):
    return hi - lo
