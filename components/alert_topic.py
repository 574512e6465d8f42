"""Where a stack's alerts go on AWS: an SNS topic with the team's e-mail addresses, and its twin in
us-east-1.

Invariant guarded here: every source of alerts reaches the same people. Alertmanager and the
stack's CloudWatch alarms publish to the topic in the stack's region, AWS Budgets too (the topic
policy lets the Budgets service publish for this account only); the outside health check's alarm
must live in us-east-1, where Route 53 publishes its metrics, and an alarm notifies only a topic
in its own region: so a second topic there carries the same subscriptions.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam_documents import as_json


@dataclass(frozen=True)
class AlertTopicArgs:
    topic_name: str
    emails: Sequence[str]
    us_east_1: aws.Provider
    """A provider for us-east-1, where the outside health check's alarm and its topic live."""


class AlertTopic(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    """The topic in the stack's region."""
    us_east_1_arn: pulumi.Output[str]
    us_east_1: aws.Provider
    """The provider of the twin's region, for what must live beside it (the outside check's alarm)."""

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("jupyterhub:aws:AlertTopic", name, None, opts)
        topic = self._topic(name, args, pulumi.ResourceOptions(parent=self))
        twin = self._topic(f"{name}-us-east-1", args, pulumi.ResourceOptions(parent=self, provider=args.us_east_1))
        account_id = topic.arn.apply(lambda arn: arn.split(":")[4])  # arn:aws:sns:<region>:<account>:<name>
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=as_json(
                pulumi.Output.all(topic.arn, account_id).apply(
                    lambda parts: {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "BudgetsOfThisAccount",
                                "Effect": "Allow",
                                "Principal": {"Service": "budgets.amazonaws.com"},
                                "Action": "SNS:Publish",
                                "Resource": parts[0],
                                "Condition": {"StringEquals": {"aws:SourceAccount": parts[1]}},
                            },
                            {
                                # SNS's default statement, kept: this account's principals and its
                                # CloudWatch alarms publish and subscribe.
                                "Sid": "ThisAccount",
                                "Effect": "Allow",
                                "Principal": {"AWS": "*"},
                                "Action": ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes"],
                                "Resource": parts[0],
                                "Condition": {"StringEquals": {"AWS:SourceOwner": parts[1]}},
                            },
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = topic.arn
        self.us_east_1_arn = twin.arn
        self.us_east_1 = args.us_east_1
        self.register_outputs({"arn": self.arn, "us_east_1_arn": self.us_east_1_arn})

    def _topic(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions) -> aws.sns.Topic:
        topic = aws.sns.Topic(name, name=args.topic_name, opts=opts)
        for index, email in enumerate(args.emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}", topic=topic.arn, protocol="email", endpoint=email, opts=opts
            )
        return topic
