import helpers
from pipeline import step

if __name__ == "__main__":
    print("RESULT before", repr(step(3)))
    helpers.CONFIG["shift"] = 10
    print("RESULT after", repr(step(3)))
