# Helpers shared by the pipeline.
def scale(x):
    # multiply by two
    return x * 2  # why two? historical
