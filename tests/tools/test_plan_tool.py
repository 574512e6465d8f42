"""The offline plan as a user runs it: files, exit codes, secrets masked, the tree and its summary."""

import itertools
import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from settings import SettingsError
from settings.naming import MAX_PREFIX_LENGTH
from tests.support import RunConfig
from tools.plan.program import run_program
from tools.plan.render import RESOURCE_KEYS, SECRET, longest_chain, main, plain, render_summary, resource_records
from tools.plan.stack_config import PLACEHOLDER_SECRET, ROOT, config_from_dict, read_stack_config

SECRET_PROGRAM = textwrap.dedent(
    """
    import pulumi
    import pulumi_aws as aws

    config = pulumi.Config()
    password = config.require_secret("dbPassword")
    provider = aws.Provider("t-aws", region="eu-west-1")
    group = aws.ec2.SecurityGroup(
        "t-sg", description=password, opts=pulumi.ResourceOptions(provider=provider)
    )
    pulumi.export("password", password)
    pulumi.export("groupId", group.id)
    """
)


def write_config_dir(root: Path, stack: str, stack_file: str) -> Path:
    (root / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (root / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(stack_file))
    return root


def test_plan_writes_both_files_in_the_contract_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "--out", str(tmp_path)]) == 0
    resources = json.loads((tmp_path / "resources.json").read_text())
    outputs = json.loads((tmp_path / "outputs.json").read_text())
    assert resources and all(tuple(r) == RESOURCE_KEYS for r in resources)
    assert outputs["prefix"] == "dev"
    printed = capsys.readouterr().out
    assert "pulumi:pulumi:Stack" in printed and "dev-network-vpc" in printed
    assert "Longest dependency chain" in printed and "By type:" in printed


def test_the_contract_keys_only_grow() -> None:
    """Tests, CI and reviewers read these keys: new information goes after them, none is renamed or removed."""
    assert RESOURCE_KEYS[:8] == ("urn", "type", "name", "parent", "provider", "dependsOn", "protect", "inputs")


def test_a_bad_stack_file_exits_2_with_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_dir = write_config_dir(
        tmp_path,
        "lab",
        """
        config:
          jupyterhub-platform:tier: prod
          jupyterhub-platform:network:
            vpcCidr: 8.8.0.0/16
        """,
    )
    out = tmp_path / "plan"
    assert main(["lab", "--out", str(out), "--config-dir", str(config_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("stack 'lab' has 3 configuration problems")
    assert [line.split(": ")[1] for line in err[1:]] == ["tier", "network.vpcCidr", "hub"]
    assert not out.exists()


def test_a_stack_file_that_is_not_a_mapping_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_dir = write_config_dir(tmp_path, "lab", "config:\n  - tier: development\n")
    assert main(["lab", "--out", str(tmp_path / "plan"), "--config-dir", str(config_dir)]) == 2
    assert "Pulumi.lab.yaml: `config:` must be a mapping" in capsys.readouterr().err


def test_an_unknown_stack_exits_2_and_lists_the_stacks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["nosuch", "--out", str(tmp_path)]) == 2
    assert "Pulumi.nosuch.yaml" in capsys.readouterr().err


def test_a_secure_value_becomes_a_placeholder_secret_and_is_masked(tmp_path: Path) -> None:
    config_dir = write_config_dir(
        tmp_path,
        "lab",
        """
        config:
          jupyterhub-platform:dbPassword:
            secure: v1:AAAABBBBCCCC
        """,
    )
    program = tmp_path / "program.py"
    program.write_text(SECRET_PROGRAM)
    config = read_stack_config("lab", root=config_dir)
    assert config.secret_keys == {"jupyterhub-platform:dbPassword"}
    run = run_program(config, program=program)
    records = resource_records(run)
    group = next(r for r in records if r["name"] == "t-sg")
    assert group["inputs"]["description"] == SECRET
    assert plain(run.outputs)["password"] == SECRET
    text = json.dumps(records)
    assert PLACEHOLDER_SECRET not in text and "v1:AAAABBBBCCCC" not in text


def test_a_secure_value_in_a_key_that_is_not_secret_is_refused(tmp_path: Path) -> None:
    config = config_from_dict(
        "jupyterhub-platform", "lab", {"tier": "development", "awsAccountId": {"secure": "v1:xyz"}}
    )
    with pytest.raises(SettingsError, match=r"lab: awsAccountId: is stored as a secret") as caught:
        run_program(config)
    assert PLACEHOLDER_SECRET not in str(caught.value)


def test_the_longest_chain_follows_dependencies() -> None:
    run = run_program(read_stack_config("prod"))
    chain = longest_chain(run.resources)
    assert len(chain) >= 5, [r.name for r in chain]
    for before, after in itertools.pairwise(chain):
        assert before.urn in after.depends_on
    # nothing depends on the end of the chain, and no resource's own chain is longer
    assert not any(chain[-1].urn in r.depends_on for r in run.resources)
    assert f"({len(chain)})" in render_summary(run)


def plan_in_a_new_process(stack: str, out: Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.plan.render", stack, "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_command_line_runs_as_documented_and_gives_the_same_bytes_every_time(tmp_path: Path) -> None:
    # two interpreters with different hash seeds (set and dict orders), side by side
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(
            lambda run: plan_in_a_new_process("prod", tmp_path / run[0], hash_seed=run[1]),
            [("first", "1"), ("second", "2")],
        )
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "Traceback" not in first.stderr
    assert first.stdout.replace("first", "second") == second.stdout
    for name in ("resources.json", "outputs.json"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name


@pytest.mark.parametrize("stack", ["pr-123", "p" * MAX_PREFIX_LENGTH])
def test_review_stacks_and_the_longest_prefix_plan(run_config: RunConfig, stack: str) -> None:
    run = run_config(
        {"tier": "review", "cluster": {"mode": "stack", "stack": "org/jupyterhub-platform/tst"}}, stack=stack
    )
    assert run.outputs["prefix"] == stack
    assert all(r.name.startswith(f"{stack}-") for r in run.resources if r.type != "pulumi:pulumi:Stack")


DEV_WITH_A_SECURE_PASSWORD = """
    config:
      jupyterhub-platform:tier: development
      aws:region: eu-west-1
      jupyterhub-platform:hub:
        auth:
          authenticator: shared-password
          sharedPassword:
            secure: v1:AAAABBBBCCCC
"""


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            "    databaseUrl: postgresql+psycopg2://hub:Sup3rS3cret@db.example.edu/hub\n",
            "dev: hub.databaseUrl: is a secret, written in plain text",
        ),
        ("    branding:\n      title:\n        secure: v1:DDDD\n", "dev: hub.branding.title: is stored as a secret"),
    ],
)
def test_the_plan_tells_a_secret_from_the_plain_values_beside_it(
    extra: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pulumi marks the whole `hub` key secret when one value in it is (its config holds secrets per
    top-level key); only the stack file shows which value was written as `secure:`."""
    config_dir = write_config_dir(tmp_path, "dev", DEV_WITH_A_SECURE_PASSWORD + textwrap.indent(extra, "    "))
    assert main(["dev", "--out", str(tmp_path / "plan"), "--config-dir", str(config_dir)]) == 2
    error = capsys.readouterr().err
    assert words in error and "Sup3rS3cret" not in error, error


def test_values_a_chart_s_schema_refuses_stop_the_plan_as_helm_would_stop_pulumi_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """z2jh 4.4.0's values.schema.json has `additionalProperties: false` under singleuser; Helm checks
    the values against it before it renders (helm's chartutil.ValidateAgainstSchema)."""
    extra = "    extraValues:\n      singleuser:\n        extraEnvs:\n          COURSE: med101\n"
    config_dir = write_config_dir(tmp_path, "dev", DEV_WITH_A_SECURE_PASSWORD + textwrap.indent(extra, "    "))
    assert main(["dev", "--out", str(tmp_path / "plan"), "--config-dir", str(config_dir)]) == 2
    assert capsys.readouterr().err == (
        "dev: dev-jupyterhub: the chart's schema refuses its values: "
        "at '/singleuser': additional properties 'extraEnvs' not allowed\n"
    )


def test_without_the_chart_archives_the_plan_says_what_it_did_not_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHART_ARCHIVES", str(tmp_path / "no-charts"))
    assert main(["dev", "--out", str(tmp_path / "plan")]) == 0
    assert "not checked against the charts' schemas" in capsys.readouterr().out
