from pipeline import load, train

if __name__ == "__main__":
    print("RESULT load", repr(load(3)))
    print("RESULT train", repr(train(3)))
