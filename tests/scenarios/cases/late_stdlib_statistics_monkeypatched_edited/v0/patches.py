import statistics


def robust_median(values):
    return statistics.median_low(values)


statistics.median = robust_median
