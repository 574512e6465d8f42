"""Stack files read the way the Pulumi CLI reads them: the strings the program gets for each key.

The Pulumi CLI decodes a stack file with go-yaml v3 into Go values, writes that back out as YAML
and decodes it again into its config values (pulumi/pulumi sdk/go/common/workspace/loaders.go,
`LoadProjectStackBytes`); each value becomes a string (sdk/go/common/resource/config/object.go,
`unmarshalObject` and `MarshalString`): a Go string as it is, a boolean or number as its JSON
text, a timestamp as Go's `time.Time.String()`, an object or list as compact JSON with its keys
sorted. go-yaml v3 (v3.0.1 resolve.go, `resolve`) types plain scalars by YAML 1.2 rules plus a few
of its own: only `true`/`false` in three spellings are booleans (`yes`, `no`, `on` stay strings),
`0x1F`, `0o17`, `017` and `1_000` are integers, `1:30` is a string, and `2026-11-16` is a
timestamp. PyYAML follows YAML 1.1 and disagrees on most of these.
"""

import json
import textwrap
from pathlib import Path

import pytest

from tools.plan.render import main
from tools.plan.stack_config import ROOT, StackFileError, read_stack_config

PROJECT = "jupyterhub-platform"


def stack_config(tmp_path: Path, config: str) -> dict[str, str]:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.lab.yaml").write_text("config:\n" + textwrap.indent(textwrap.dedent(config), "  "))
    return dict(read_stack_config("lab", root=tmp_path).values)


@pytest.mark.parametrize(
    ("written", "program_gets"),
    [
        ("2026-11-16", "2026-11-16 00:00:00 +0000 UTC"),  # a timestamp, printed by Go
        ("2026-11-16T08:30:00.5+02:00", "2026-11-16 08:30:00.5 +0200 +0200"),
        ('"2026-11-16"', "2026-11-16"),  # quoted: a string
        ("1.30", "1.3"),  # a float, printed as JSON
        ("1.0", "1"),
        ("no", "no"),  # YAML 1.1's booleans are strings to go-yaml v3
        ("yes", "yes"),
        ("on", "on"),
        ("True", "true"),
        ("017", "15"),  # Go's octal
        ("0o17", "15"),
        ("0x1F", "31"),
        ("1_000", "1000"),
        ("019", "19"),  # not octal: go-yaml falls back to a float
        ("1:30", "1:30"),  # no base-60 numbers in go-yaml v3
        ("", ""),  # null: an empty value
        ("~", ""),
        ("123456789012", "123456789012"),
    ],
)
def test_top_level_values_are_the_strings_pulumi_hands_the_program(
    tmp_path: Path, written: str, program_gets: str
) -> None:
    values = stack_config(tmp_path, f"{PROJECT}:value: {written}\n")
    assert values[f"{PROJECT}:value"] == program_gets


def test_objects_are_compact_json_with_sorted_keys_and_go_types(tmp_path: Path) -> None:
    values = stack_config(
        tmp_path,
        """
        jupyterhub-platform:hub:
          singleuserImage:
            name: quay.io/jupyter/scipy-notebook
            tag: 2026-11-16
          limits: {ratio: 1.30, cpu: 4.0, answer: no, on: yes, html: "<b>&"}
        """,
    )
    text = values[f"{PROJECT}:hub"]
    assert text == (
        '{"limits":{"answer":"no","cpu":4,"html":"\\u003cb\\u003e\\u0026","on":"yes","ratio":1.3},'
        '"singleuserImage":{"name":"quay.io/jupyter/scipy-notebook","tag":"2026-11-16 00:00:00 +0000 UTC"}}'
    )
    assert json.loads(text)["limits"]["html"] == "<b>&"
    # Pulumi.yaml's own values go through the same JSON
    assert values["pulumi:disable-default-providers"] == '["aws","kubernetes"]'


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ("jupyterhub-platform:tier: development\njupyterhub-platform:tier: production\n", "already defined"),
        ("jupyterhub-platform:tags: {2026: spring}\n", "tags: the key 2026 is not a string"),
        ("jupyterhub-platform:ratio: .inf\n", "ratio: .inf is not a number Pulumi can store"),
    ],
)
def test_what_pulumi_refuses_to_read_is_a_stack_file_error(tmp_path: Path, config: str, problem: str) -> None:
    """go-yaml v3 refuses a key given twice in one mapping (decode.go, `mapping`); Pulumi refuses keys
    that are not strings (workspace/project.go, `SimplifyMarshalledValue`) and numbers JSON has no
    text for (Go's encoding/json)."""
    with pytest.raises(StackFileError, match=problem):
        stack_config(tmp_path, config)


def test_an_unquoted_date_image_tag_is_a_settings_problem_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tag reaches the program as Go prints a time, which is no image tag: the plan says so."""
    stack_config(
        tmp_path,
        """
        jupyterhub-platform:tier: development
        jupyterhub-platform:hub:
          auth: {authenticator: shared-password, sharedPassword: {secure: v1:AAAA}}
          singleuserImage: {name: quay.io/jupyter/scipy-notebook, tag: 2026-11-16}
        """,
    )
    assert main(["lab", "--out", str(tmp_path / "plan"), "--config-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "hub.singleuserImage.tag" in err and "2026-11-16 00:00:00 +0000 UTC" in err


@pytest.mark.parametrize(
    ("file_text", "problem"),
    [
        # the keys written without `config:` above them: Pulumi reads no setting there
        ("jupyterhub-platform:tier: development\n", "jupyterhub-platform:tier is outside `config:`"),
        # a tab for indentation: one line saying so and where, not the parser's five
        ("config:\n\tjupyterhub-platform:tier: development\n", "never tabs), at line 2, column 1"),
    ],
)
def test_a_stack_file_pulumi_would_misread_says_why_in_one_line(tmp_path: Path, file_text: str, problem: str) -> None:
    """Pulumi's ProjectStack has the sections config, secretsprovider, encryptedkey, encryptionsalt and
    environment (sdk/go/common/workspace/project.go); YAML forbids tabs in indentation (YAML 1.2, 6.1)."""
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.lab.yaml").write_text(file_text)
    with pytest.raises(StackFileError) as caught:
        read_stack_config("lab", root=tmp_path)
    assert problem in str(caught.value) and "\n" not in str(caught.value), caught.value
