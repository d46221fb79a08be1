from pipeline import extra, step

if __name__ == "__main__":
    print("RESULT step", repr(step(3)))
    print("RESULT extra", repr(extra(3)))
