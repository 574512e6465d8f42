"""`python -m tools.local_hub [STACK]`: the hub the tests use, on this machine, to look at in a
browser or to run the health check and the load test against. It is configured from the stack's
chart values (default: the `local` stack, Pulumi.local.yaml): its branding, services and roles.
Any user name and password log in. Runs until Ctrl-C, then stops the hub and its servers."""

import argparse
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from settings import SettingsError
from tools.local_hub import LOCAL_STACK, local_hub
from tools.ops.healthcheck import TOKEN_VARIABLE
from tools.plan.stack_config import StackFileError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_hub", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", nargs="?", default=LOCAL_STACK, help=f"the stack to follow (default {LOCAL_STACK})")
    args = parser.parse_args(argv)
    # A SIGTERM stops it as Ctrl-C does: through local_hub's cleanup, which stops the hub and its
    # servers (they run in sessions of their own, which neither signal reaches).
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        # a short path: the servers' kernel sockets live under the users' homes in it
        with (
            tempfile.TemporaryDirectory(prefix="hub-", dir="/tmp") as folder,
            local_hub(Path(folder), stack=args.stack) as hub,
        ):
            print(f"JupyterHub configured like stack {hub.stack}: {hub.url}/hub/login (any user name and password)")
            print("For the health check and the load test (the health-check service's token):")
            print(f"  export {TOKEN_VARIABLE}={hub.token}")
            print(f"Its log: {hub.log}. Ctrl-C stops it.", flush=True)
            hub.process.wait()
            print(f"the hub exited by itself:\n{hub.log.read_text()[-2000:]}", file=sys.stderr)
            return 1
    except (SettingsError, StackFileError) as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
