import pipeline


def peek():
    return pipeline.CALLS
