"""Running the real `__main__.py` in-process under Pulumi's mocks, with no CLI and no cloud.

Invariant guarded here: each run starts from nothing (a fresh context, event loop, config and
root stack), so runs do not leak into each other, and the result lists every registration in a
stable order with every secret still marked as one.
"""

import asyncio
import contextvars
import runpy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func

from settings import settings_from_config
from settings.loader import check_secure_values
from tools.plan.mocks import AwsLikeMocks, RecordingMonitor, Registration, SecretValue
from tools.plan.stack_config import ROOT, RawStackConfig

PROGRAM = ROOT / "__main__.py"
DEFAULT_REGION = "eu-west-1"


@dataclass(frozen=True)
class ProgramRun:
    project: str
    stack: str
    resources: list[Registration]
    """Every registered resource, the root stack and providers included, sorted by URN."""
    outputs: dict[str, Any]
    """The stack outputs, resolved; a secret output is a `SecretValue`."""
    config: RawStackConfig
    """The config the program ran with."""
    invoked: frozenset[str]
    """The tokens of the invokes (data sources) the program asked the mocks for."""

    def by_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> Registration:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources are named {name!r}")
        return matches[0]


def run_program(config: RawStackConfig, program: Path | Callable[[], object] = PROGRAM) -> ProgramRun:
    """Run `program` (a Pulumi program file, or a function that declares resources, such as one
    component for its tests) for one stack's config; exceptions from the program propagate. The
    platform's settings are checked first against what only the stack file shows: which values are
    secure."""
    if program == PROGRAM:
        settings = settings_from_config(config.project, config.stack, config.values, config.secret_keys)
        check_secure_values(settings, config.secure_paths)
    return contextvars.Context().run(_run, config, program)


def _run(config: RawStackConfig, program: Path | Callable[[], object]) -> ProgramRun:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        region = config.values.get("aws:region", DEFAULT_REGION)
        monitor = RecordingMonitor(AwsLikeMocks(region))
        pulumi.runtime.set_all_config(dict(config.values), sorted(config.secret_keys))
        pulumi.runtime.set_mocks(
            monitor.mocks, project=config.project, stack=config.stack, preview=False, monitor=monitor
        )
        root = runtime_settings.get_root_resource()

        def program_body() -> None:
            if isinstance(program, Path):
                runpy.run_path(str(program), run_name="__main__")
            else:
                program()

        loop.run_until_complete(run_pulumi_func(program_body))
        outputs = loop.run_until_complete(_resolve(getattr(root, "outputs", {}) or {}))
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        monitor.close_thread_loops()
        loop.close()
        asyncio.set_event_loop(None)
    resources = sorted(monitor.registrations.values(), key=lambda r: r.urn)
    return ProgramRun(config.project, config.stack, resources, outputs, config, frozenset(monitor.invoked))


async def _resolve(outputs: dict[str, Any]) -> dict[str, Any]:
    """Stack outputs with every Output awaited; a secret output stays recognisable as secret."""
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        output = pulumi.Output.from_input(value)
        plain = await output.future()
        resolved[key] = SecretValue(plain) if await output.is_secret() else plain
    return resolved
