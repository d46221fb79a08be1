from pipeline import outer

if __name__ == "__main__":
    print("RESULT outer", repr(outer(3)))
