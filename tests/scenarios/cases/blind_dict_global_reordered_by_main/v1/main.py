import pipeline

if __name__ == "__main__":
    pipeline.CONFIG["lr"] = pipeline.CONFIG.pop("lr")
    print("RESULT step", repr(pipeline.step(3)))
