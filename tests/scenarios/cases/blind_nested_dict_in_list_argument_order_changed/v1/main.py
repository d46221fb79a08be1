from pipeline import step

if __name__ == "__main__":
    rows = [{"x": 1, "y": 2}, {"v": 4, "u": 3}]
    print("RESULT step", repr(step(rows)))
