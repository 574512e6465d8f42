"""Reading a stack's config into `StackSettings`: the only place the program reads config.

Invariant guarded here: every problem in a stack's config is reported at once, one line each,
naming the stack, the key, the value given (never a secret's) and what is allowed, before any
resource is registered. `SettingsError` is a `pulumi.RunError`, so `pulumi up` prints the
message without a Python traceback.
"""

import difflib
import json
from collections.abc import Mapping, Set
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args, get_origin

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from settings.model import StackSettings
from settings.types import KeyedError

# Keys of other namespaces that the program reads, by the alias of the field they feed.
FOREIGN_KEYS = ("aws:region",)
# Namespaces of the providers the program builds itself: their other keys would be ignored, so
# they are errors (an `aws:profile` that silently does nothing deploys with the wrong account).
_EXPLICIT_PROVIDER_NAMESPACES = ("aws:", "kubernetes:")
# Fields that come from Pulumi itself, not from config.
_FROM_PULUMI = ("project", "stack")
_SHOWN_VALUE_LENGTH = 80


@dataclass(frozen=True)
class Problem:
    key: str
    message: str
    given: str | None = None

    def line(self, stack: str) -> str:
        got = f" Got {self.given}." if self.given is not None else ""
        return f"{stack}: {self.key}: {self.message}.{got}"


class SettingsError(pulumi.RunError):
    """A stack's config is wrong. The message lists every problem, one per line."""

    def __init__(self, stack: str, problems: list[Problem]) -> None:
        self.stack = stack
        self.problems = problems
        lines = [p.line(stack) for p in problems]
        header = (
            f"stack {stack!r} has {len(problems)} configuration problem"
            f"{'s' if len(problems) != 1 else ''} (fix Pulumi.{stack}.yaml or use `pulumi config set`):"
        )
        super().__init__("\n".join([header, *lines]))


def load_settings() -> StackSettings:
    """The settings of the stack Pulumi is running, from its config."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    raw, secret_keys = _read_pulumi_config()
    return settings_from_config(project, stack, raw, secret_keys)


def settings_from_config(
    project: str, stack: str, raw: Mapping[str, str], secret_keys: Set[str] = frozenset()
) -> StackSettings:
    """Validate a stack's raw config (full keys like `proj:network`, values as Pulumi passes them)."""
    problems: list[Problem] = []
    given: dict[str, Any] = {}
    secret_aliases: set[str] = set()  # top-level keys Pulumi holds as secrets
    own_namespace = f"{project}:"
    for full_key, text in sorted(raw.items()):
        if full_key.startswith(own_namespace):
            key = full_key.removeprefix(own_namespace)
            if key in _FROM_PULUMI:
                problems.append(Problem(key, f"is not a setting: the {key} name comes from Pulumi itself"))
                continue
        elif full_key in FOREIGN_KEYS:
            key = full_key
        elif full_key.startswith(_EXPLICIT_PROVIDER_NAMESPACES):
            problems.append(
                Problem(
                    full_key,
                    "is not read: the program builds its own providers and takes only "
                    f"{', '.join(FOREIGN_KEYS)} from their namespaces; give AWS credentials through the "
                    "environment (AWS_PROFILE, SSO, OIDC in CI)",
                )
            )
            continue
        else:
            continue  # Pulumi's own keys (pulumi:disable-default-providers, pulumi:tags)
        if full_key in secret_keys:
            if key not in _holding_secrets():
                problems.append(
                    Problem(
                        key,
                        "is stored as a secret, but it is not a secret setting; set it in plain text with "
                        f"`pulumi config set {full_key} ...` so it does not hide in the plan",
                    )
                )
                continue
            secret_aliases.add(key)
        given[key] = _parse(key, text)

    given.update(project=project, stack=stack)
    try:
        settings = StackSettings.model_validate(given)
    except ValidationError as error:
        problems.extend(_problem(e, given, secret_aliases) for e in error.errors(include_url=False))
        settings = None
    if settings is not None:
        problems.extend(
            Problem(path, f"is a secret: set it with `pulumi config set --secret --path '{own_namespace}{path}' ...`")
            for path in _secret_paths(settings)
            if path.split(".")[0] not in secret_aliases
        )
    if problems or settings is None:
        raise SettingsError(stack, problems)
    return settings


def _holding_secrets() -> set[str]:
    """Top-level keys whose settings include a secret (a `SecretStr` somewhere inside)."""

    def holds(model: type[BaseModel]) -> bool:
        for field in model.model_fields.values():
            inner = _model_of(field.annotation)
            if SecretStr in (field.annotation, *get_args(field.annotation)) or (inner is not None and holds(inner)):
                return True
        return False

    return {alias for alias, field in _field_by_alias().items() if (m := _model_of(field.annotation)) and holds(m)}


def _secret_paths(model: BaseModel, prefix: str = "") -> list[str]:
    """Config paths of the secrets the settings hold, like `cluster.kubeconfig`."""
    paths: list[str] = []
    for name, field in type(model).model_fields.items():
        value, path = getattr(model, name), f"{prefix}{field.alias or name}"
        if isinstance(value, SecretStr):
            paths.append(path)
        elif isinstance(value, BaseModel):
            paths += _secret_paths(value, f"{path}.")
    return paths


def _parse(key: str, text: str) -> Any:
    """Structured values arrive as JSON text; scalars stay strings for pydantic to coerce."""
    field = _field_by_alias().get(key)
    if field is None or not _is_structured(field.annotation):
        return text
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return text  # pydantic reports the wrong type, naming the key


def _field_by_alias(model: type[BaseModel] = StackSettings) -> dict[str, FieldInfo]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (`NetworkSettings`, `ExistingNetworkSettings | None`)."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_structured(annotation: Any) -> bool:
    return _model_of(annotation) is not None or get_origin(annotation) in (dict, list)


def _problem(error: ErrorDetails, given: Mapping[str, Any], secret_aliases: Set[str]) -> Problem:
    loc = [str(part) for part in error["loc"] if part != "[key]"]
    key = _key_path(error["loc"])
    masked = bool(loc) and loc[0] in secret_aliases  # never show what a secret key holds
    if masked:
        error = {**error, "input": "[secret]"}
    if loc and loc[0] == "stack":
        return Problem("stack name", error["msg"].removeprefix("Value error, "), json.dumps(given["stack"]))
    kind = error["type"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, KeyedError):
        key = ".".join(filter(None, (key, cause.key)))
        given_value = "[secret]" if masked else cause.given
        return Problem(key, cause.message, None if given_value is None else _shown(given_value))
    if kind == "missing":
        return Problem(key, "is required" + _allowed(error["loc"]))
    if kind == "extra_forbidden":
        return Problem(key, "is not a setting of this program" + _did_you_mean(error["loc"]))
    message = error["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    return Problem(key, message, _shown(error.get("input")))


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            path += " (the key)"
        elif isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _model_at(path: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The settings model that holds the key at `path` (a loc without its last part)."""
    model: type[BaseModel] | None = StackSettings
    for part in path:
        field = _field_by_alias(model).get(str(part)) if model else None
        model = _model_of(field.annotation) if field else None
    return model


def _allowed(loc: tuple[int | str, ...]) -> str:
    model = _model_at(loc[:-1])
    field = _field_by_alias(model).get(str(loc[-1])) if model else None
    if field is not None and isinstance(field.annotation, type) and issubclass(field.annotation, Enum):
        return ": one of " + ", ".join(str(member.value) for member in field.annotation)
    return ""


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    model = _model_at(loc[:-1])
    if model is None:
        return ""
    known = [alias for alias, f in _field_by_alias(model).items() if alias not in _FROM_PULUMI]
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f" ({hint}known here: {', '.join(known)})"


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 3] + "..."


def _read_pulumi_config() -> tuple[dict[str, str], set[str]]:
    """Every config key of the running stack, and which are secret.

    `pulumi.Config` reads one key at a time and cannot list keys, but an unknown key must be an
    error (a misspelt key silently falling back to a default is the 3 a.m. kind of bug). The
    runtime keeps the whole map in `pulumi.runtime.config`: Pulumi's Python entry point puts the
    engine's config there, and so do the mocks.
    """
    raw = dict(runtime_config.CONFIG.get())
    return raw, {key for key in raw if runtime_config.is_config_secret(key)}
