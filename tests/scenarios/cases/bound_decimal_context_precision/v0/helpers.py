import decimal

DIVIDE = decimal.Context(prec=3).divide


def third(n):
    return str(DIVIDE(decimal.Decimal(1), decimal.Decimal(n)))
