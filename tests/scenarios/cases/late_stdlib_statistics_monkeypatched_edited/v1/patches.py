import statistics


def robust_median(values):
    return statistics.median_high(values)


statistics.median = robust_median
