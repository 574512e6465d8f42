"""Tools for running stacks: the hub's API as the tools use it (`hub_api`, `kernels`), the health
check after a deployment (`healthcheck`) and review stacks for pull requests (`review_stacks`)."""
