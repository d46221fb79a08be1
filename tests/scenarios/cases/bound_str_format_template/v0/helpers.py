FMT = "{:.2f}".format
