from pipeline import step

if __name__ == "__main__":
    print("RESULT step", repr(step(y=4, x=3)))
