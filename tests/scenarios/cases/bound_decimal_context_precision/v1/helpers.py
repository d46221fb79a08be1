import decimal

DIVIDE = decimal.Context(prec=5).divide


def third(n):
    return str(DIVIDE(decimal.Decimal(1), decimal.Decimal(n)))
