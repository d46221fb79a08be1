from pipeline import set_factor, step

if __name__ == "__main__":
    print("RESULT before", repr(step(3)))
