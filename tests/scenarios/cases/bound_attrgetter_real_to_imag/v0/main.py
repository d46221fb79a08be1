from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step([1 + 2j, 3 + 4j])))
