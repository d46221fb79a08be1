import decimal
import fractions

NUM = decimal.Decimal


def total(parts):
    return sum((NUM(p) for p in parts), NUM(0))
