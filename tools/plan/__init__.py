"""The offline plan and what serves it: the program run under mocks (`program`, `mocks`), stack
files read as Pulumi reads them (`stack_config`), the plan's tree and files (`render`), what a
change does to a plan (`diff`), the configuration reference (`config_reference`), the pinned
chart archives (`charts`) and the plan's timing (`bench`)."""
