"""A stack's config as the Pulumi CLI would hand it to the program, read from the YAML files.

Invariant guarded here: the program sees the same keys and the same strings offline as under
`pulumi up`, and a `secure:` value is never decrypted: it becomes a placeholder and its key is
marked secret.

What Pulumi does, and so what this does (pulumi/pulumi sdk/go/common/workspace/loaders.go,
`LoadProjectStackBytes`; sdk/go/common/resource/config/object.go, `unmarshalObject` and
`MarshalString`): it decodes the stack file with go-yaml v3 (see go_yaml.py for how that types
scalars), writes it back out as YAML and decodes it again, then turns each top-level value into
one string: a string as it is, a boolean or number as its JSON text, a timestamp as Go's
`time.Time.String()` (`2026-11-16` becomes `2026-11-16 00:00:00 +0000 UTC`), null as an empty
string, an object or list as compact JSON with sorted keys (Go's encoding/json). A key that is not
a string anywhere in the file is an error (workspace/project.go, `SimplifyMarshalledValue`).
Project-level values from Pulumi.yaml fill the keys the stack file leaves out
(pkg/workspace/config.go, `mergeConfig` and `createConfigValue`).
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tools.plan import go_yaml
from tools.plan.go_yaml import GoTime

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_SECRET = "offline-plan-placeholder-secret"
# The top-level sections of a stack file Pulumi knows (its ProjectStack): the rest it ignores.
STACK_FILE_SECTIONS = frozenset({"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"})


@dataclass(frozen=True)
class RawStackConfig:
    project: str
    stack: str
    values: dict[str, str]
    """Full keys (`project:key`, `aws:region`) to values as the runtime carries them."""
    secret_keys: frozenset[str]
    secure_paths: frozenset[str] = frozenset()
    """Where the file says `secure:`, as config paths (`hub.auth.clientSecret`): Pulumi marks only the
    top-level key secret, so only the file tells a secret from the plain values beside it."""


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
    stack_document = _read_yaml(stack_file, empty_is_none=True)
    outside = sorted(set(stack_document) - STACK_FILE_SECTIONS)
    if outside:
        raise StackFileError(
            f"{stack_file.name}: {outside[0]} is outside `config:`, where Pulumi reads no setting "
            "(indent the stack's keys under `config:`)"
        )
    stack_values = stack_document.get("config") or {}
    if not isinstance(stack_values, dict):
        raise StackFileError(f"{stack_file.name}: `config:` must be a mapping of keys to values")
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    set_by_stack = {_full_key(name, key) for key in stack_values}
    for key, entry in (project.get("config") or {}).items():
        if _full_key(name, key) not in set_by_stack:
            _put_project_value(_full_key(name, key), entry, values, secret_keys)
    secure: set[str] = set()
    for key, entry in stack_values.items():
        _put(_full_key(name, key), entry, values, secret_keys, where=stack_file.name, secure=secure)
    secure_paths = frozenset(path.removeprefix(f"{name}:") for path in secure)
    return RawStackConfig(name, stack, values, frozenset(secret_keys), secure_paths)


def config_from_dict(project: str, stack: str, config: dict[str, Any]) -> RawStackConfig:
    """A stack config from a dict shaped like a stack file's `config:` section, as go-yaml would have
    decoded it (for tests)."""
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    secure: set[str] = set()
    for key, entry in config.items():
        _put(_full_key(project, key), entry, values, secret_keys, where="config", secure=secure)
    secure_paths = frozenset(path.removeprefix(f"{project}:") for path in secure)
    return RawStackConfig(project, stack, values, frozenset(secret_keys), secure_paths)


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _is_secure(node: Any) -> bool:
    """Pulumi's `isSecureValue`: a mapping with the single key `secure` holding a string."""
    return isinstance(node, dict) and list(node) == ["secure"] and isinstance(node["secure"], str)


def _with_placeholders(node: Any, key: str, where: str) -> tuple[Any, list[str]]:
    """`node` with every secure value replaced by the placeholder, and the keys of those there were.
    Refuses on the way a number JSON has no text for, which Pulumi cannot store."""
    if _is_secure(node):
        return PLACEHOLDER_SECRET, [key]
    if isinstance(node, dict):
        items = {k: _with_placeholders(child, f"{key}.{k}", where) for k, child in node.items()}
        return {k: item for k, (item, _) in items.items()}, [path for _, paths in items.values() for path in paths]
    if isinstance(node, list):
        entries = [_with_placeholders(child, f"{key}[{i}]", where) for i, child in enumerate(node)]
        return [item for item, _ in entries], [path for _, paths in entries for path in paths]
    if isinstance(node, float) and not math.isfinite(node):
        raise StackFileError(f"{where}: {key}: {_yaml_spelling(node)} is not a number Pulumi can store; quote it")
    return node, []


def _require_string_keys(node: Any, where: str, path: str = "") -> None:
    """Pulumi refuses a file with a mapping key that YAML does not read as a string (`2026:`, `true:`)."""
    if isinstance(node, list):
        for i, child in enumerate(node):
            _require_string_keys(child, where, f"{path}[{i}]")
    if not isinstance(node, dict):
        return
    for key, child in node.items():
        if not isinstance(key, str):
            shown = key.rfc3339() if isinstance(key, GoTime) else json.dumps(key)
            raise StackFileError(f"{where}: {path or 'the file'}: the key {shown} is not a string to Pulumi; quote it")
        _require_string_keys(child, where, f"{path}.{key}" if path else key)


def _yaml_spelling(number: float) -> str:
    return ".nan" if math.isnan(number) else ("-.inf" if number < 0 else ".inf")


def _put(
    key: str, entry: Any, values: dict[str, str], secret_keys: set[str], *, where: str, secure: set[str] | None = None
) -> None:
    """A stack file's value: the string Pulumi's `MarshalString` makes of it."""
    value, secure_keys = _with_placeholders(entry, key, where)
    found_secret = bool(secure_keys)
    if secure is not None:
        secure.update(secure_keys)
    if value is None:
        values[key] = ""  # a null node leaves Pulumi's config value at its zero value
    elif isinstance(value, str):
        values[key] = value
    elif isinstance(value, GoTime):
        values[key] = value.go_string()  # Pulumi's unmarshalObject keeps a time as `time.Time.String()`
    else:
        values[key] = go_json(value, times=GoTime.go_string)
    if found_secret:
        secret_keys.add(key)


def _put_project_value(key: str, entry: Any, values: dict[str, str], secret_keys: set[str]) -> None:
    """A Pulumi.yaml value: a bare value, or `value:` / `default:` (mergeConfig takes `default` when
    both are there). A mapping with neither declares a key's type and gives no value."""
    if isinstance(entry, dict):
        entry = entry.get("default") if entry.get("default") is not None else entry.get("value")
    if entry is None:
        return
    value, secure_keys = _with_placeholders(entry, key, "Pulumi.yaml")
    found_secret = bool(secure_keys)
    # createConfigValue: strings, integers and booleans as Go's `%v` prints them, anything else as
    # JSON, which writes a time in RFC 3339; the program then gets a JSON string's text unquoted.
    if isinstance(value, str):
        values[key] = value
    elif isinstance(value, GoTime):
        values[key] = value.rfc3339()
    else:
        values[key] = go_json(value, times=GoTime.rfc3339)
    if found_secret:
        secret_keys.add(key)


def go_json(value: Any, times: Callable[[GoTime], str] = GoTime.rfc3339) -> str:
    """`value` as Go's encoding/json writes it: compact, keys sorted, `<`, `>` and `&` escaped,
    numbers in Go's shortest form (`4.0` is `4`, `1e-07` is `1e-7`). `times` says how a `GoTime`
    becomes a string: Pulumi's config keeps `time.Time.String()`, Go's JSON writes RFC 3339."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_go_json_string(k)}:{go_json(value[k], times)}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(item, times) for item in value) + "]"
    if isinstance(value, GoTime):
        value = times(value)
    if isinstance(value, str):
        return _go_json_string(value)
    if isinstance(value, float):
        return _go_json_float(value)
    if value is None or isinstance(value, bool | int):
        return json.dumps(value)  # null, true, false and integers are written alike
    raise TypeError(f"no JSON for {type(value).__name__}")


def _go_json_string(text: str) -> str:
    escaped = json.dumps(text, ensure_ascii=False)
    # Go escapes these too, so that JSON can sit inside HTML and JavaScript.
    for character, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        escaped = escaped.replace(character, escape)
    return escaped.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _go_json_float(number: float) -> str:
    """Go's float encoder: shortest digits, exponent form below 1e-6 and from 1e21 on."""
    if number == 0:
        return "0"  # -0 too: Pulumi's YAML round trip reads the `-0` it wrote as the integer 0
    if abs(number) < 1e-6 or abs(number) >= 1e21:
        mantissa, exponent = repr(number).split("e")  # Python's repr uses the exponent form there too
        if exponent.startswith("-0"):
            exponent = "-" + exponent[2:]
        return f"{mantissa}e{exponent}"
    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _one_line(yaml_error: str) -> str:
    """A YAML parser's several lines as one: what it found, and where (`line 2, column 1`); a tab is
    the usual culprit, which YAML never takes for indentation."""
    lines = [line.strip() for line in yaml_error.splitlines() if line.strip() and line.strip() != "^"]
    where = next((line.split(", ", 1)[1].rstrip(":") for line in lines if line.startswith("in ")), "")
    what = next((line for line in lines if line.startswith("found")), lines[0] if lines else yaml_error)
    hint = " (YAML indents with spaces, never tabs)" if "'\\t'" in what else ""
    return f"{what}{hint}" + (f", at {where}" if where else "")


def _read_yaml(path: Path, *, empty_is_none: bool = False) -> dict[str, Any]:
    try:
        loaded = go_yaml.load(path.read_text())
    except OSError as error:
        raise StackFileError(f"cannot read {path.name}: {error}") from error
    except go_yaml.GoYamlError as error:
        raise StackFileError(f"cannot read {path.name}: {_one_line(str(error))}") from error
    if loaded is None and empty_is_none:
        return {}  # Pulumi reads an empty stack file as a stack without config
    if not isinstance(loaded, dict):
        raise StackFileError(f"{path.name} is not a YAML mapping")
    _require_string_keys(loaded, path.name)
    return loaded
