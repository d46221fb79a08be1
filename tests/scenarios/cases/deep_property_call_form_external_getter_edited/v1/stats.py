def total_of(sample):
    return sum(v * v for v in sample.values)
