"""A stack's config as the Pulumi CLI would hand it to the program, read from the YAML files.

Invariant guarded here: the program sees the same keys and value shapes offline as under
`pulumi up` (project-level values from Pulumi.yaml under the stack's own, scalars as strings,
structured values as JSON), and a `secure:` value is never decrypted: it becomes a placeholder
and its key is marked secret.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_SECRET = "offline-plan-placeholder-secret"


@dataclass(frozen=True)
class RawStackConfig:
    project: str
    stack: str
    values: dict[str, str]
    """Full keys (`project:key`, `aws:region`) to values as the runtime carries them."""
    secret_keys: frozenset[str]


class StackFileError(Exception):
    """The stack file is missing or not the YAML Pulumi reads."""


def project_name(root: Path = ROOT) -> str:
    return str(_read_yaml(root / "Pulumi.yaml")["name"])


def stack_names(root: Path = ROOT) -> list[str]:
    """Every stack that has a file in the repository."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))


def read_stack_config(stack: str, root: Path = ROOT) -> RawStackConfig:
    project = _read_yaml(root / "Pulumi.yaml")
    name = str(project["name"])
    stack_file = root / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        known = ", ".join(stack_names(root)) or "none"
        raise StackFileError(f"{stack}: there is no {stack_file.name} (stacks with a file: {known})")
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, entry in (project.get("config") or {}).items():
        # Project-level entries are either a bare value or {value: ...} / {default: ...}.
        is_long_form = isinstance(entry, dict) and ("value" in entry or "default" in entry)
        value = entry.get("value", entry.get("default")) if is_long_form else entry
        _put(_full_key(name, key), value, values, secret_keys)
    stack_values = _read_yaml(stack_file).get("config") or {}
    if not isinstance(stack_values, dict):
        raise StackFileError(f"{stack_file.name}: `config:` must be a mapping of keys to values")
    for key, entry in stack_values.items():
        _put(_full_key(name, key), entry, values, secret_keys)
    return RawStackConfig(project=name, stack=stack, values=values, secret_keys=frozenset(secret_keys))


def config_from_dict(project: str, stack: str, config: dict[str, Any]) -> RawStackConfig:
    """A stack config from a dict shaped like a stack file's `config:` section (for tests)."""
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, entry in config.items():
        _put(_full_key(project, key), entry, values, secret_keys)
    return RawStackConfig(project=project, stack=stack, values=values, secret_keys=frozenset(secret_keys))


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _put(key: str, entry: Any, values: dict[str, str], secret_keys: set[str]) -> None:
    found_secret = False

    def replace_secure(node: Any) -> Any:
        nonlocal found_secret
        if isinstance(node, dict) and set(node) == {"secure"}:
            found_secret = True
            return PLACEHOLDER_SECRET
        if isinstance(node, dict):
            return {k: replace_secure(v) for k, v in node.items()}
        if isinstance(node, list):
            return [replace_secure(v) for v in node]
        return node

    value = replace_secure(entry)
    if isinstance(value, (dict, list)):
        values[key] = json.dumps(value)
    elif isinstance(value, bool):
        values[key] = "true" if value else "false"
    else:
        values[key] = "" if value is None else str(value)
    if found_secret:
        secret_keys.add(key)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise StackFileError(f"cannot read {path.name}: {error}") from error
    if not isinstance(loaded, dict):
        raise StackFileError(f"{path.name} is not a YAML mapping")
    return loaded
