FMT = "{:.3f}".format
