from pipeline import Pipeline

if __name__ == "__main__":
    print("RESULT run", repr(Pipeline().run(3)))
