import decimal
import fractions

NUM = fractions.Fraction


def total(parts):
    return sum((NUM(p) for p in parts), NUM(0))
