"""Settings of operating a stack: metrics and alerts, backups of students' work, and what it costs."""

from typing import Annotated

from pydantic import Field, SecretStr

from settings.types import SettingsModel, matching

Email = Annotated[str, matching(r"[^@\s]+@[^@\s]+\.[a-z]{2,63}", "an e-mail address like ops@example.edu")]


class MonitoringSettings(SettingsModel):
    enabled: bool | None = Field(
        default=None,
        description=(
            "Prometheus, Grafana with the JupyterHub dashboards, Alertmanager and the alert rules of a teaching "
            "hub (kube-prometheus-stack), plus AWS alarms and an outside health check in mode eks. Left out: on "
            "in production and staging, off elsewhere."
        ),
    )
    retention_days: int = Field(
        default=30, ge=1, le=365, description="Days of metrics Prometheus keeps (a term's worth of trends needs more)."
    )
    storage_gib: int = Field(
        default=50, ge=10, le=1000, description="Size of Prometheus' gp3 volume in GiB (mode eks)."
    )
    alert_emails: list[Email] = Field(
        default_factory=list,
        description=(
            "Who is e-mailed on an alert, a budget notice or a failed health check (through SNS; each address "
            "confirms its subscription once)."
        ),
    )
    homes_alarm_gib: int = Field(
        default=1000,
        ge=1,
        description=(
            "`eks`: alarm when the students' homes on EFS hold more than this many GiB: EFS grows without a "
            "limit, so this is where a runaway dataset (or a class's worth of model checkpoints) is caught."
        ),
    )
    chat_webhook_url: SecretStr | None = Field(
        default=None,
        description="A chat webhook (Slack, Teams, Mattermost) Alertmanager also posts alerts to, as a secret.",
    )


class BackupSettings(SettingsModel):
    retention_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description=(
            "`eks`: days each daily backup of the students' homes is kept (AWS Backup). Left out: 35 in "
            "production, 7 elsewhere."
        ),
    )


class BudgetSettings(SettingsModel):
    monthly_usd: float | None = Field(
        default=None,
        gt=0,
        description=(
            "`eks`: an AWS Budget for this stack's resources (by its Stack tag), in USD a month; notices at 80% "
            "and 100% of actual and forecast spend go to the alert e-mails. Left out: no budget."
        ),
    )
    activate_cost_allocation_tags: bool = Field(
        default=False,
        description=(
            "`eks`: activate the Stack and Tier tags for cost allocation (account-wide: one stack per account "
            "says so). AWS lists a new tag key only up to 24 hours after it first appears, so switch this on "
            "after the first day; until then a budget filtered by the tag counts nothing."
        ),
    )
