"""What a stack may cost: an AWS Budget over the resources that carry its Stack tag.

Invariants guarded here: the budget counts this stack only (its `Stack` tag, which the provider's
default tags put on every resource); its notices, at 80% and 100% of actual and of forecast
spend, go to the stack's alert topic; the tags become cost-allocation tags only when the stack
says so, since activating a key AWS has not yet seen fails (it lists new keys up to 24 hours late).
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

THRESHOLDS_PERCENT = (80, 100)


@dataclass(frozen=True)
class StackBudgetArgs:
    budget_name: str
    stack: str
    monthly_usd: float | None
    topic_arn: pulumi.Input[str]
    activate_tags: tuple[str, ...]


class StackBudget(pulumi.ComponentResource):
    def __init__(self, name: str, args: StackBudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:StackBudget", name, None, opts)
        tags = [
            aws.costexplorer.CostAllocationTag(
                f"{name}-tag-{key.lower()}", tag_key=key, status="Active", opts=pulumi.ResourceOptions(parent=self)
            )
            for key in args.activate_tags
        ]
        if args.monthly_usd is not None:
            aws.budgets.Budget(
                f"{name}-monthly",
                name=args.budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=f"{args.monthly_usd:.2f}",
                limit_unit="USD",
                # Cost Explorer's form of a tag filter: user:<key>$<value>.
                cost_filters=[{"name": "TagKeyValue", "values": [f"user:Stack${args.stack}"]}],
                notifications=[
                    {
                        "comparison_operator": "GREATER_THAN",
                        "threshold": percent,
                        "threshold_type": "PERCENTAGE",
                        "notification_type": kind,
                        "subscriber_sns_topic_arns": [args.topic_arn],
                    }
                    for kind in ("ACTUAL", "FORECASTED")
                    for percent in THRESHOLDS_PERCENT
                ],
                opts=pulumi.ResourceOptions(parent=self, depends_on=tags),
            )
        self.register_outputs({})
