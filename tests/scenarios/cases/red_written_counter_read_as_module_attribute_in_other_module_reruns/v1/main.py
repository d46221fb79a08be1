import pipeline
from pipeline import step

if __name__ == "__main__":
    pipeline.CALLS = 10
    print("RESULT step", repr(step(3)))
