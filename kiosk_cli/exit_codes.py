"""Exit codes shared by the commands, for scripts and maintainers."""

EXIT_OK = 0
EXIT_INVALID = 1  # the command ran and the answer is "no" (bad file, wrong PIN, key mismatch)
EXIT_USAGE = 2  # argparse's own code for a wrong command line
EXIT_STORE = 4  # the data directory or the store cannot be used (one clear message)
