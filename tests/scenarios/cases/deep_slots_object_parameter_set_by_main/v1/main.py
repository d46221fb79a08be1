import pipeline

if __name__ == "__main__":
    pipeline.PARAMS.alpha = 3
    print("RESULT step", repr(pipeline.step(3)))
