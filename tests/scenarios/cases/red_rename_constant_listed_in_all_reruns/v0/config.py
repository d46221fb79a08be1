FACTOR = 4
__all__ = [n for n in list(globals()) if n.isupper()]
