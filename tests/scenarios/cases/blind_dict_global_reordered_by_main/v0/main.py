import pipeline

if __name__ == "__main__":
    print("RESULT step", repr(pipeline.step(3)))
