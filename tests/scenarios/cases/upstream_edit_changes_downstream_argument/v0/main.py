from pipeline import load, train

if __name__ == "__main__":
    data = load(4)
    print("RESULT load", repr(data))
    print("RESULT train", repr(train(data)))
