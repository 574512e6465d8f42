"""One ComponentResource per module, one job each."""
