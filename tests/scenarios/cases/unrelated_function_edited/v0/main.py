from helpers import describe
from pipeline import report, step

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
    print("RESULT report", repr(report(3)))
    print("RESULT describe", repr(describe(3)))
