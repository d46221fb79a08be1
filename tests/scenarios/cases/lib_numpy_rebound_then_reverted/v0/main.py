from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step([1.0, 2.0, 10.0])))
