import configparser

from checkpointing import checkpoint


@checkpoint
def step(x):
    print("COMPUTE step", flush=True)
    parser = configparser.ConfigParser()
    parser.read("settings.ini")
    return x * parser.getint("main", "k")
