import pipeline


def peek():
    return pipeline.__dict__["CALLS"]
