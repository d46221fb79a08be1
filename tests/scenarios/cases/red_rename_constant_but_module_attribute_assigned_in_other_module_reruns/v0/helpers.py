def configure():
    import pipeline

    pipeline.FACTOR = 10
