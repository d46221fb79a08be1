from pipeline import VERSION, step

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
    print("RESULT version", repr(VERSION))
