def total_of(sample):
    return sum(sample.values)
