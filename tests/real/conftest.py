"""One real JupyterHub on this machine for every test of this tier (starting one costs seconds of
a 2-core machine's CPU), configured from the `local` stack's chart values as the real hub is
(branding, services, roles), throttling early so that the load test meets its 429s."""

from collections.abc import Iterator

import pytest

from tools.local_hub import LOCAL_STACK, LocalHub, local_hub


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    # a short path: kernels' sockets live under the users' homes
    folder = tmp_path_factory.mktemp("hub")
    with local_hub(folder, concurrent_spawns=4, retry_after_seconds=(1, 3), stack=LOCAL_STACK) as running:
        yield running
