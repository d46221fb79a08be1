from timing import Timed


@Timed
def smooth(v):
    return v * 0.25
