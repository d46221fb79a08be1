from pipeline import step

if __name__ == "__main__":
    rows = [{"x": 1, "y": 2}, {"u": 3, "v": 4}]
    print("RESULT step", repr(step(rows)))
