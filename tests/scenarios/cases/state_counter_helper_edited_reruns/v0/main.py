from pipeline import step

if __name__ == "__main__":
    print("RESULT first", repr(step(3)))
    print("RESULT other", repr(step(4)))
    print("RESULT again", repr(step(3)))
