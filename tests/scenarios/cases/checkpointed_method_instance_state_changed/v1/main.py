from pipeline import Pipeline

if __name__ == "__main__":
    print("RESULT run", repr(Pipeline(rate=4).run(3)))
