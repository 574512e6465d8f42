"""The load test: simulated students over the hub's and Jupyter server's protocols and in a real
browser (`run`, `browser`), what they measure and how it is reported (`report`), and the
generator's own cost per student (`bench`)."""
