import helpers
from pipeline import step

if __name__ == "__main__":
    helpers.weights.alpha = 0.7
    print("RESULT step", repr(step(3)))
