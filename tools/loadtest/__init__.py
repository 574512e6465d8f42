"""The load test: a class of students driven by Locust (`locustfile`, the students' steps in
`classroom`, browser students in `browser`), run from this machine (`run`, `python -m
tools.loadtest`) or as Jobs on the stack's own user nodes (`kubernetes`), and its cost (`bench`)."""
