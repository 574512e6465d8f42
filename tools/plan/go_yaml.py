"""YAML read the way go-yaml v3 reads it, the library the Pulumi CLI reads stack files with.

PyYAML types plain scalars by YAML 1.1: `yes`, `no`, `on` and `off` are booleans, `1:30` is 90 and
`2026-11-16` a `datetime.date`. go-yaml v3 (v3.0.1, the version Pulumi pins) mostly follows YAML
1.2 with rules of its own, and decoding into Go's `any` gives:

- booleans only for `true`/`True`/`TRUE` and `false`/`False`/`FALSE`; `~`, `null` and nothing
  are null;
- integers as Go's `strconv.ParseInt(text, 0, 64)` reads them once `_` are removed: `0x1F`,
  `0o17`, `0b101`, and `017` as octal; a number beyond 64 bits, or a decimal one with a leading 0
  and an 8 or 9 in it, is a float;
- floats by the pattern `[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?`, plus `.inf`,
  `-.inf` and `.nan`;
- timestamps (`time.Time`) for `YYYY-M-D`, `YYYY-M-D h:m:s[.f]` and `YYYY-M-DTh:m:s[.f](Z|±hh:mm)`;
- a string for everything else, and for anything quoted or written as a block.

Sources: go-yaml v3.0.1 resolve.go (`resolve`, `parseTimestamp`), decode.go (`scalar`, `mapping`,
`merge`), yaml.go (`indicatedString`). PyYAML only parses here; every value is typed by these rules.
"""

import base64
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

# The tag our resolver gives a plain scalar written without a tag: it is typed later, go-yaml's way.
_UNTYPED_PLAIN = "!go-yaml-untyped-plain"
_CORE_TAG_PREFIX = "tag:yaml.org,2002:"

_FIXED_SCALARS: dict[str, Any] = {
    **dict.fromkeys(["true", "True", "TRUE"], True),
    **dict.fromkeys(["false", "False", "FALSE"], False),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], None),
    **dict.fromkeys([".nan", ".NaN", ".NAN"], math.nan),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], math.inf),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], -math.inf),
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# What Go's ParseFloat accepts from a scalar that starts with a dot.
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
# Go's integer syntax for base 0 (a leading 0 alone means octal).
_GO_INTEGER = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_INT64 = range(-(2**63), 2**63)
_UINT64 = range(2**64)


class GoYamlError(ValueError):
    """The text is not YAML that go-yaml v3 decodes; the message says where."""


@dataclass(frozen=True)
class GoTime:
    """A YAML timestamp as go-yaml v3 decodes it: a Go `time.Time`, in UTC or at a fixed offset."""

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanosecond: int = 0
    utc_offset_minutes: int = 0
    """0 for `Z`, `+00:00` or no zone at all: all UTC once Pulumi has written the time back out (RFC
    3339 writes a zero offset as `Z`) and read it again."""

    def go_string(self) -> str:
        """Go's `time.Time.String()`. A non-zero offset prints as Go prints a zone without a name, as
        on a machine whose local zone is UTC (CI runners); elsewhere Go may name the local zone."""
        offset = self._offset("")
        zone = "UTC" if self.utc_offset_minutes == 0 else offset
        return f"{self._date()} {self._clock()} {offset} {zone}"

    def rfc3339(self) -> str:
        """Go's `time.RFC3339Nano`: how go-yaml and Go's JSON write a time back out."""
        return f"{self._date()}T{self._clock()}{'Z' if self.utc_offset_minutes == 0 else self._offset(':')}"

    def _date(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def _clock(self) -> str:
        fraction = f".{self.nanosecond:09d}".rstrip("0") if self.nanosecond else ""
        return f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}{fraction}"

    def _offset(self, separator: str) -> str:
        hours, minutes = divmod(abs(self.utc_offset_minutes), 60)
        return f"{'-' if self.utc_offset_minutes < 0 else '+'}{hours:02d}{separator}{minutes:02d}"


# go-yaml's `allowedTimestampFormats`, as the Go layouts accept them: one- or two-digit month, day,
# hour, minute and second; any number of fraction digits after `.` or `,`.
_TIMESTAMPS = [
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})"),
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?()"),
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})()()()()()"),
]


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_timestamp(text: str) -> GoTime | None:
    """The timestamp go-yaml reads `text` as, or None if Go's `time.Parse` refuses every layout."""
    for layout in _TIMESTAMPS:
        match = layout.fullmatch(text)
        if match is None:
            continue
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
        fraction, zone = match.group(7) or "", match.group(8) or "Z"
        offset = 0
        if zone != "Z":
            zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
            if zone_hours > 24 or zone_minutes > 60:  # Go's own (generous) bounds
                return None
            offset = (-1 if zone[0] == "-" else 1) * (zone_hours * 60 + zone_minutes)
        in_range = 1 <= month <= 12 and 1 <= day <= _days_in(month, year) and hour < 24 and minute < 60
        if not in_range or second >= 60:
            return None
        nanosecond = int(fraction[:9].ljust(9, "0")) if fraction else 0  # Go drops digits past the ninth
        return GoTime(year, month, day, hour, minute, second, nanosecond, offset)
    return None


def _go_integer(text: str) -> int | None:
    """`strconv.ParseInt(text, 0, 64)`, or failing that `ParseUint` (which takes no sign)."""
    match = _GO_INTEGER.fullmatch(text)
    if match is None:
        return None
    sign, digits = match.groups()
    if digits[:2].lower() in ("0x", "0o", "0b"):
        magnitude = int(digits[2:], {"x": 16, "o": 8, "b": 2}[digits[1].lower()])
    else:
        magnitude = int(digits, 8 if digits.startswith("0") else 10)
    value = -magnitude if sign == "-" else magnitude
    if value in _INT64 or (not sign and value in _UINT64):
        return value
    return None


def resolve_plain(text: str, *, try_timestamp: bool = True) -> Any:
    """What go-yaml v3 makes of a plain (unquoted, untagged) scalar."""
    if text in _FIXED_SCALARS:
        return _FIXED_SCALARS[text]
    first = text[:1]
    if first == ".":
        number = float(text) if _DOT_FLOAT.fullmatch(text) else math.inf
        return number if math.isfinite(number) else text  # Go refuses an overflow: then it is a string
    if first and first in "0123456789+-":
        if try_timestamp and (timestamp := parse_timestamp(text)) is not None:
            return timestamp
        digits = text.replace("_", "")
        if (integer := _go_integer(digits)) is not None:
            return integer
        if _YAML_FLOAT.fullmatch(digits) and math.isfinite(number := float(digits)):
            return number
    return text


def _kind(value: Any) -> str:
    """go-yaml's short tag for a resolved value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", GoTime: "timestamp"}.get(type(value), "str")


def _resolve_tagged(tag: str, text: str, line: int) -> Any:
    """A scalar with an explicit core tag (`!!int "5"`): resolved as if plain, then checked against it."""
    if tag == "binary":
        try:
            return base64.b64decode("".join(text.split()), validate=True).decode()
        except ValueError as error:
            raise GoYamlError(f"line {line}: !!binary value is not base64 of UTF-8 text") from error
    value = resolve_plain(text, try_timestamp=tag == "timestamp")
    if _kind(value) == tag:
        return value
    if tag == "float" and _kind(value) == "int":
        return float(value)
    raise GoYamlError(f"line {line}: cannot decode !!{_kind(value)} `{text}` as a !!{tag}")


class _Composer(yaml.BaseLoader):
    """PyYAML's parser and composer, with plain untagged scalars left untyped for `_decode` and no
    YAML 1.1 typing of anything (an explicit tag is kept as written)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _UNTYPED_PLAIN if implicit[0] else str(self.DEFAULT_SCALAR_TAG)
        return str(self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG)


def load(text: str) -> Any:
    """The first document of `text` as go-yaml v3 decodes it into Go's `any`: dicts (whose keys may be
    any scalar), lists, strings, ints, floats, booleans, None and `GoTime`."""
    try:
        root = yaml.compose(text, Loader=_Composer)
    except yaml.YAMLError as error:
        raise GoYamlError(str(error)) from error
    return None if root is None else _decode(root)


def _decode(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_decode(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return _mapping(node)
    raise GoYamlError(f"line {_line(node)}: not a YAML node go-yaml knows")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.tag == _UNTYPED_PLAIN:
        # A quoted scalar reaches here only with the non-specific tag `!`: a string either way.
        return resolve_plain(node.value) if node.style is None else node.value
    if node.tag.startswith(_CORE_TAG_PREFIX):
        tag = node.tag.removeprefix(_CORE_TAG_PREFIX)
        if tag in ("null", "bool", "int", "float", "timestamp", "binary"):
            return _resolve_tagged(tag, node.value, _line(node))
    return node.value  # `!!str`, and any tag go-yaml does not resolve, decode as the text


def _is_merge_key(node: yaml.Node) -> bool:
    merge_tags = (_UNTYPED_PLAIN, _CORE_TAG_PREFIX + "merge")
    return isinstance(node, yaml.ScalarNode) and node.value == "<<" and node.style is None and node.tag in merge_tags


def _mapping(node: yaml.MappingNode) -> dict[Any, Any]:
    first_seen: dict[str, int] = {}
    decoded: dict[Any, Any] = {}
    merged_from: yaml.Node | None = None
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise GoYamlError(f"line {_line(key_node)}: a mapping key must be a scalar")
        # go-yaml compares keys as written, before typing them.
        if key_node.value in first_seen:
            raise GoYamlError(
                f'line {_line(key_node)}: mapping key "{key_node.value}" already defined at line '
                f"{first_seen[key_node.value]}"
            )
        first_seen[key_node.value] = _line(key_node)
        if _is_merge_key(key_node):
            merged_from = value_node
            continue
        decoded[_decode(key_node)] = _decode(value_node)
    if merged_from is not None:
        # Keys written in the mapping win; among merged mappings, the first that has a key wins.
        sources = merged_from.value if isinstance(merged_from, yaml.SequenceNode) else [merged_from]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise GoYamlError(f"line {_line(source)}: map merge requires map or sequence of maps as the value")
            for key, value in _mapping(source).items():
                decoded.setdefault(key, value)
    return decoded
