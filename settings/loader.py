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
from typing import Annotated, Any, get_args, get_origin

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from settings.model import StackSettings
from settings.types import KeyedError

# Keys of other namespaces that the program reads, by the alias of the field they feed.
FOREIGN_KEYS = ("aws:region",)
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
        elif full_key.startswith("pulumi:"):
            continue  # Pulumi's own keys (pulumi:disable-default-providers, pulumi:tags)
        else:
            problems.append(_unread_key(full_key, project))
            continue
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


def check_secure_values(settings: StackSettings, secure_paths: Set[str]) -> None:
    """What only the stack file shows, since Pulumi marks a whole top-level key secret when one value
    in it is: each secret setting given as a secure value, and nothing else (`hub.auth.clientSecret`
    in plain text beside a secure `sharedPassword` would sit in the file, and a secure `clientId`
    would reach the chart's values in plain text). The offline plan calls this with the file's
    `secure:` paths; raises SettingsError."""
    secrets = set(_secret_paths(settings))
    problems = [
        Problem(
            path,
            "is a secret, written in plain text: set it with "
            f"`pulumi config set --secret --path '{settings.project}:{path}' ...`",
        )
        for path in sorted(secrets - secure_paths)
    ]
    problems += [
        Problem(path, "is stored as a secret, but it is not a secret setting; set it in plain text")
        for path in sorted(secure_paths - secrets)
        if not path.startswith(FOREIGN_KEYS)
    ]
    if problems:
        raise SettingsError(settings.stack, problems)


def _unread_key(full_key: str, project: str) -> Problem:
    """A key of another namespace than the project's, which nothing would read: an error, since a key
    that silently does nothing is the 3 a.m. kind of bug (an `aws:profile` deploys with the wrong
    account: the program builds its own AWS and Kubernetes providers)."""
    namespace = full_key.split(":", 1)[0]
    if namespace == "aws":
        return Problem(
            full_key,
            "is not read: the program builds its own AWS provider and takes only aws:region from its namespace; "
            "give AWS credentials through the environment (AWS_PROFILE, SSO, OIDC in CI)",
        )
    if namespace == "kubernetes":
        return Problem(
            full_key,
            "is not read: the program builds its own Kubernetes provider from cluster.mode; an existing cluster is "
            "cluster.kubeconfig and cluster.context (mode kubeconfig)",
        )
    hint = f"did you mean {project}:? " if difflib.get_close_matches(namespace, [project], n=1) else ""
    return Problem(
        full_key, f"is in namespace {namespace}:, which nothing reads ({hint}this project's keys are {project}:<key>)"
    )


def _holds_secret(annotation: Any) -> bool:
    """Whether a value of this type is, or has inside it, a secret (a `SecretStr`)."""
    if annotation is SecretStr:
        return True
    model = _model_of(annotation)
    if model is not None:
        return any(_holds_secret(field.annotation) for field in model.model_fields.values())
    return any(_holds_secret(argument) for argument in get_args(annotation))


def _holding_secrets() -> set[str]:
    """Top-level keys whose settings include a secret (a `SecretStr` somewhere inside)."""
    return {alias for alias, field in _field_by_alias().items() if _holds_secret(field.annotation)}


def _annotation_at(path: list[str]) -> Any:
    """The type of the setting at a key path (`hub.groups.med101.memoryGuarantee`); None if unknown."""
    annotation: Any = StackSettings
    for part in path:
        if get_origin(annotation) is Annotated:  # a type with its validators: the type
            annotation = get_args(annotation)[0]
        containers = [a for a in (annotation, *get_args(annotation)) if get_origin(a) in (dict, list)]
        if containers:  # a map's key or a list's position: what it holds
            annotation = get_args(containers[0])[-1]
            continue
        model = _model_of(annotation)
        field = _field_by_alias(model).get(part) if model is not None else None
        if field is None:
            return None
        annotation = field.annotation
    return annotation


def _is_secret_at(path: list[str], secret_aliases: Set[str]) -> bool:
    """Whether what is shown for this key could hold a secret: the secret settings themselves and
    whatever holds them; a key of a top-level secret whose type is unknown counts as secret."""
    annotation = _annotation_at(path)
    if annotation is None:
        return bool(path) and path[0] in secret_aliases
    return _holds_secret(annotation)


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
    loc = [str(part) for part in error["loc"] if part not in ("[key]",) and not isinstance(part, int)]
    key = _key_path(error["loc"])
    if loc and loc[0] == "stack":
        return Problem("stack name", error["msg"].removeprefix("Value error, "), json.dumps(given["stack"]))
    kind = error["type"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, KeyedError):
        # the rule's key is relative to the model that raised it; list indexes in it are no keys
        cause_path = [part.split("[")[0] for part in cause.key.split(".")] if cause.key else []
        key = ".".join(filter(None, (key, cause.key)))
        if cause.given is None:
            return Problem(key, cause.message)
        shown = "[secret]" if _is_secret_at(loc + cause_path, secret_aliases) else cause.given
        return Problem(key, cause.message, _shown(shown))
    if kind == "missing":
        return Problem(key, "is required" + _allowed(error["loc"]))
    if kind == "extra_forbidden":
        return Problem(key, "is not a setting of this program" + _did_you_mean(error["loc"]))
    if "[key]" in error["loc"]:  # the name of an entry, not its value: never a secret
        value: Any = error.get("input")
    else:
        value = "[secret]" if _is_secret_at(loc, secret_aliases) else error.get("input")
    return Problem(key, _message(error) + _yaml_pitfall(kind, error.get("input")), _shown(value))


# pydantic's error types whose own words would confuse, in the settings' words.
_PLAIN_WORDS = {
    "int_parsing": "must be a whole number, without a unit",
    "float_parsing": "must be a number, without a unit or thousands separator",
    "model_type": "must be an object of keys (see the configuration reference)",
    "model_attributes_type": "must be an object of keys (see the configuration reference)",
    "dict_type": "must be a map of keys to values",
    "list_type": "must be a list",
    "ip_v4_network": "is not an IPv4 network in CIDR form, like 10.0.0.0/16 (its address the first of the range)",
    "ip_v4_interface": "is not an IPv4 network in CIDR form, like 10.0.0.0/16 (its address the first of the range)",
}


def _message(error: ErrorDetails) -> str:
    """What is allowed, in the words of the settings rather than pydantic's."""
    kind, context = error["type"], error.get("ctx", {})
    if kind in _PLAIN_WORDS:
        return _PLAIN_WORDS[kind]
    if kind.endswith(("too_short", "too_long")):
        least = kind.endswith("too_short")
        bound = context["min_length"] if least else context["max_length"]
        what = "characters" if kind.startswith("string") else ("entry" if bound == 1 else "entries")
        return f"{'must be' if kind.startswith('string') else 'needs'} at {'least' if least else 'most'} {bound} {what}"
    return error["msg"].removeprefix("Value error, ").replace("Input should be", "must be")


def _yaml_pitfall(kind: str, value: Any) -> str:
    """Why YAML handed over something other than what was written, where a text was expected."""
    if not kind.startswith("string_"):
        return ""
    if value is None:
        return " (empty: in YAML a # starts a comment, so quote a value that begins with one, like '#1a73e8')"
    if isinstance(value, bool):
        return " (YAML read a bare true/false, yes/no or on/off as a boolean: quote it)"
    if isinstance(value, float):
        return f" (YAML read it as the number {value}, and 1.30 as 1.3: quote it to keep what was written)"
    if isinstance(value, int):
        return f" (YAML read it as the number {value}: quote it)"
    return ""


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
