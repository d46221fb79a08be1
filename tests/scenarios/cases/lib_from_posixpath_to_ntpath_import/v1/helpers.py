from ntpath import basename


def name_of(path):
    return basename(path)
