"""Pulumi mocks that answer the way AWS would, and a monitor that records every registration.

Invariant guarded here: the same program and config give the same answers, byte for byte (IDs
are derived from URNs, never random), and every invoke the program makes has an answer here or
fails with a message naming the invoke (or the region whose zones are not here), so an unmocked
call cannot pass silently.
"""

import asyncio
import base64
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key, deserialize_properties
from pulumi.runtime.sync_await import _ensure_event_loop

from components.network import EKS_UNSUPPORTED_ZONE_IDS

ACCOUNT_ID = "123456789012"
# The role the offline plan pretends to deploy as (CI's, assumed through OIDC).
DEPLOY_ROLE = "jupyterhub-platform-deploy"

# Each region's Availability Zones as `describe-availability-zones` lists them without opt-in:
# the zone ID prefix, and each zone's letter with its zone ID number (us-east-1a is use1-az4). The
# zone IDs are AWS's ("AWS Availability Zones", docs.aws.amazon.com/global-infrastructure/latest/
# regions/aws-availability-zones.html), without those new accounts do not get (us-west-1's
# usw1-az2, ap-northeast-1's apne1-az3); the letters are one real account's answer (networknext/next,
# terraform/amazon.tfvars). Regions opened after November 2012 give every account the same letters;
# in older ones (us-east-1, us-west-1, us-west-2, eu-west-1, ap-northeast-1, ap-southeast-1,
# sa-east-1) accounts from before November 2025 each have their own, and this is one of them.
_AVAILABILITY_ZONES: dict[str, tuple[str, dict[str, int]]] = {
    "af-south-1": ("afs1", {"a": 1, "b": 2, "c": 3}),
    "ap-east-1": ("ape1", {"a": 1, "b": 2, "c": 3}),
    # Taipei (2025): three zones; their letters are taken in zone-ID order, as most regions have them.
    "ap-east-2": ("ape2", {"a": 1, "b": 2, "c": 3}),
    "ap-northeast-1": ("apne1", {"a": 4, "c": 1, "d": 2}),
    "ap-northeast-2": ("apne2", {"a": 1, "b": 2, "c": 3, "d": 4}),
    "ap-northeast-3": ("apne3", {"a": 3, "b": 1, "c": 2}),
    "ap-south-1": ("aps1", {"a": 1, "b": 3, "c": 2}),
    "ap-south-2": ("aps2", {"a": 1, "b": 2, "c": 3}),
    "ap-southeast-1": ("apse1", {"a": 1, "b": 2, "c": 3}),
    "ap-southeast-2": ("apse2", {"a": 1, "b": 3, "c": 2}),
    "ap-southeast-3": ("apse3", {"a": 1, "b": 2, "c": 3}),
    "ap-southeast-4": ("apse4", {"a": 1, "b": 2, "c": 3}),
    "ap-southeast-5": ("apse5", {"a": 1, "b": 2, "c": 3}),
    "ap-southeast-6": ("apse6", {"a": 1, "b": 2, "c": 3}),
    "ap-southeast-7": ("apse7", {"a": 1, "b": 2, "c": 3}),
    "ca-central-1": ("cac1", {"a": 1, "b": 2, "d": 4}),
    "ca-west-1": ("caw1", {"a": 1, "b": 2, "c": 3}),
    "eu-central-1": ("euc1", {"a": 2, "b": 3, "c": 1}),
    "eu-central-2": ("euc2", {"a": 1, "b": 2, "c": 3}),
    "eu-north-1": ("eun1", {"a": 1, "b": 2, "c": 3}),
    "eu-south-1": ("eus1", {"a": 1, "b": 2, "c": 3}),
    "eu-south-2": ("eus2", {"a": 1, "b": 2, "c": 3}),
    "eu-west-1": ("euw1", {"a": 2, "b": 3, "c": 1}),
    "eu-west-2": ("euw2", {"a": 2, "b": 3, "c": 1}),
    "eu-west-3": ("euw3", {"a": 1, "b": 2, "c": 3}),
    "il-central-1": ("ilc1", {"a": 1, "b": 2, "c": 3}),
    "me-central-1": ("mec1", {"a": 1, "b": 2, "c": 3}),
    "me-south-1": ("mes1", {"a": 1, "b": 2, "c": 3}),
    "mx-central-1": ("mxc1", {"a": 1, "b": 2, "c": 3}),
    "sa-east-1": ("sae1", {"a": 1, "b": 2, "c": 3}),
    "us-east-1": ("use1", {"a": 4, "b": 6, "c": 1, "d": 2, "e": 3, "f": 5}),
    "us-east-2": ("use2", {"a": 1, "b": 2, "c": 3}),
    "us-west-1": ("usw1", {"a": 1, "c": 3}),
    "us-west-2": ("usw2", {"a": 2, "b": 1, "c": 3, "d": 4}),
}


def availability_zones(region: str) -> dict[str, str]:
    """Zone name to zone ID, in name order, for a region the mocks know; other regions fail naming it."""
    if region not in _AVAILABILITY_ZONES:
        raise NotImplementedError(
            f"the offline plan's getAvailabilityZones does not know the zones of {region}; "
            "add them to tools/plan/mocks.py"
        )
    prefix, numbers = _AVAILABILITY_ZONES[region]
    return {f"{region}{letter}": f"{prefix}-az{number}" for letter, number in sorted(numbers.items())}


# AWS ID prefixes by resource type, so IDs in the plan read like the real ones.
_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
    "aws:ec2/route:Route": "r-rtb-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:efs/fileSystem:FileSystem": "fs-",
    "aws:efs/mountTarget:MountTarget": "fsmt-",
}


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _uuid(text: str) -> str:
    return str(uuid.UUID(_digest(text, 32)))


# Base64 of a PEM-looking block: what an EKS cluster's certificateAuthority.data is shaped like.
_FAKE_CA_DATA = base64.b64encode(
    b"-----BEGIN CERTIFICATE-----\nb2ZmbGluZSBwbGFuIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n"
).decode()


class AwsLikeMocks(pulumi.runtime.Mocks):
    """Resource state and invoke results shaped like AWS's, for one region and account."""

    def __init__(self, region: str) -> None:
        self.region = region

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        key = f"{args.typ}::{args.name}"
        if args.typ.startswith("pulumi:providers:"):
            return f"provider-{_digest(key, 12)}", dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(str(args.inputs["name"]))
        # A read (`Resource.get`) names the resource it reads; everything else gets a new ID.
        resource_id = args.resource_id or _ID_PREFIXES.get(args.typ, f"{args.name}-") + _digest(key, 17)
        # Pulumi auto-names resources that take a name: logical name plus a random suffix.
        name = args.inputs.get("name") or f"{args.name}-{_digest(key, 7)}"
        state: dict[str, Any] = {"id": resource_id, "name": name, **args.inputs}
        if isinstance(args.inputs.get("tags"), dict):
            state.setdefault("tagsAll", dict(args.inputs["tags"]))
        state.update(self._service_state(args.typ, key, name, resource_id, args.inputs))
        if args.typ.startswith("kubernetes:") and isinstance(args.inputs.get("metadata"), dict):
            # The API server versions every object it stores.
            state["metadata"] = {**args.inputs["metadata"], "resourceVersion": str(int(_digest(key, 6), 16))}
        state.setdefault("arn", self._arn(args.typ, resource_id))
        return state["id"], state

    def _service_state(  # noqa: PLR0911, PLR0912 (one case per type)
        self, typ: str, key: str, name: str, resource_id: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        """What AWS computes for the types the platform creates (IDs, ARNs, endpoints)."""
        region, account = self.region, ACCOUNT_ID
        match typ:
            case "aws:ec2/eip:Eip":
                octet = int(_digest(key, 2), 16) % 254 + 1
                return {"publicIp": f"203.0.113.{octet}", "allocationId": resource_id}  # documentation range
            case "aws:ec2/vpc:Vpc":
                return {
                    "defaultSecurityGroupId": "sg-" + _digest(key + "sg", 17),
                    "mainRouteTableId": "rtb-" + _digest(key + "rtb", 17),
                    "ownerId": account,
                }
            case "aws:eks/cluster:Cluster":
                issuer_id = _digest(key, 32).upper()
                vpc_config = {**inputs.get("vpcConfig", {}), "clusterSecurityGroupId": "sg-" + _digest(key + "sg", 17)}
                return {
                    "vpcConfig": vpc_config,
                    "id": name,
                    "arn": f"arn:aws:eks:{region}:{account}:cluster/{name}",
                    "endpoint": f"https://{issuer_id}.gr7.{region}.eks.amazonaws.com",
                    "certificateAuthority": {"data": _FAKE_CA_DATA},
                    "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{issuer_id}"}]}],
                    "version": inputs.get("version", "1.33"),
                    "platformVersion": "eks.1",
                    "status": "ACTIVE",
                }
            case "aws:iam/role:Role" | "aws:iam/policy:Policy" | "aws:iam/instanceProfile:InstanceProfile":
                kind = {"aws:iam/role:Role": "role", "aws:iam/policy:Policy": "policy"}.get(typ, "instance-profile")
                return {
                    "id": name,
                    "arn": f"arn:aws:iam::{account}:{kind}/{name}",
                    "uniqueId": "AROA" + _digest(key, 17).upper(),
                }
            case "aws:eks/nodeGroup:NodeGroup":
                group = inputs.get("nodeGroupName") or inputs.get("nodeGroupNamePrefix", "") + _digest(key, 26)
                cluster = inputs.get("clusterName", "")
                return {"id": f"{cluster}:{group}", "nodeGroupName": group, "status": "ACTIVE"}
            case "kubernetes:helm.sh/v3:Release":
                release = inputs.get("name") or name
                status = {"name": release, "namespace": inputs.get("namespace", "default"), "status": "deployed"}
                return {
                    "status": {**status, "chart": inputs.get("chart"), "version": inputs.get("version"), "revision": 1}
                }
            case "kubernetes:core/v1:Service":
                # A Service of type LoadBalancer on EKS: the NLB's DNS name, as AWS forms it.
                hostname = f"{resource_id.rsplit('/', 1)[-1][:20]}-{_digest(key, 16)}.elb.{region}.amazonaws.com"
                return {"status": {"loadBalancer": {"ingress": [{"hostname": hostname}]}}}
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return {"latestVersion": 1, "defaultVersion": 1}
            case "aws:autoscaling/group:Group":
                group = f"autoScalingGroup:{_uuid(key)}:autoScalingGroupName/{name}"
                return {"id": name, "arn": f"arn:aws:autoscaling:{region}:{account}:{group}"}
            case "aws:kms/key:Key":
                key_id = _uuid(key)
                return {"id": key_id, "keyId": key_id, "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}"}
            case "aws:efs/fileSystem:FileSystem":
                return {
                    "arn": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{resource_id}",
                    "dnsName": f"{resource_id}.efs.{region}.amazonaws.com",
                }
            case "aws:rds/instance:Instance":
                identifier = inputs.get("identifier") or name
                address = f"{identifier}.{_digest(key, 12)}.{region}.rds.amazonaws.com"
                return {
                    "id": identifier,
                    "arn": f"arn:aws:rds:{region}:{account}:db:{identifier}",
                    "address": address,
                    "endpoint": f"{address}:5432",
                    "port": 5432,
                }
            case "random:index/randomPassword:RandomPassword":
                # Never a real password: the plan must show that one is generated, not what it is.
                return {"result": "offline-plan-" + _digest(key, 20)}
            case "aws:sns/topic:Topic":
                arn = f"arn:aws:sns:{region}:{account}:{name}"
                return {"id": arn, "arn": arn}
            case "aws:sqs/queue:Queue":
                return {
                    "id": f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                    "url": f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                    "arn": f"arn:aws:sqs:{region}:{account}:{name}",
                }
        return {}

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        answer = self.invokes().get(args.token)
        if answer is None:
            raise NotImplementedError(
                f"the offline plan has no mock answer for the invoke {args.token}; add one to tools/plan/mocks.py"
            )
        return answer(args.args), []

    def invokes(self) -> dict[str, Any]:
        """The invokes the program makes, each with the answer AWS would give."""
        return {
            "aws:index/getAvailabilityZones:getAvailabilityZones": self._availability_zones,
            "aws:ssm/getParameter:getParameter": self._ssm_parameter,
            "aws:eks/getAddonVersion:getAddonVersion": self._addon_version,
            "aws:lb/getHostedZoneId:getHostedZoneId": self._load_balancer_zone,
            "aws:index/getCallerIdentity:getCallerIdentity": self._caller_identity,
            "aws:iam/getSessionContext:getSessionContext": self._session_context,
        }

    def _availability_zones(self, _: dict[str, Any]) -> dict[str, Any]:
        zones = availability_zones(self.region)
        return {"names": list(zones), "zoneIds": list(zones.values()), "id": self.region}

    def _ssm_parameter(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name", ""))
        if "/optimized-ami/" not in name:
            raise NotImplementedError(f"the offline plan mocks only AMI parameters, not {name}")
        ami = "ami-" + _digest(name, 17)
        arn = f"arn:aws:ssm:{self.region}::parameter{name}"
        return {
            "id": name,
            "name": name,
            "type": "String",
            "value": ami,
            "insecureValue": ami,
            "arn": arn,
            "version": 1,
        }

    def _addon_version(self, args: dict[str, Any]) -> dict[str, Any]:
        name, version = args["addonName"], args["kubernetesVersion"]
        addon_version = f"v{version}.{len(name)}-eksbuild.1"  # shaped like AWS's, e.g. v1.35.0-eksbuild.3
        return {"id": name, "addonName": name, "kubernetesVersion": version, "version": addon_version}

    def _caller_identity(self, _: dict[str, Any]) -> dict[str, Any]:
        # Who runs `pulumi up` in CI: a role assumed through OIDC, as STS names its session.
        arn = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{DEPLOY_ROLE}/offline-plan"
        return {"id": ACCOUNT_ID, "accountId": ACCOUNT_ID, "arn": arn, "userId": "AROAOFFLINEPLAN:offline-plan"}

    def _session_context(self, args: dict[str, Any]) -> dict[str, Any]:
        """The IAM role behind an assumed-role session ARN (an IAM user's ARN is its own issuer)."""
        arn = str(args["arn"])
        match = re.fullmatch(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/(.+)", arn)
        if match is None:
            return {"id": arn, "arn": arn, "issuerArn": arn, "issuerId": "", "issuerName": "", "sessionName": ""}
        account, role, session = match.groups()
        issuer = f"arn:aws:iam::{account}:role/{role}"
        return {"id": arn, "arn": arn, "issuerArn": issuer, "issuerId": "AROAOFFLINEPLAN", "issuerName": role,
                "sessionName": session}  # fmt: skip

    def _load_balancer_zone(self, args: dict[str, Any]) -> dict[str, Any]:
        # The hosted zone of the region's load balancers, which alias records point into.
        return {"id": "Z" + _digest(f"{self.region}-{args.get('loadBalancerType')}", 13).upper()}

    def _stack_reference(self, stack_name: str) -> tuple[str, dict[str, Any]]:
        """What an eks-mode stack of this project exports (see ReferencedCluster.STACK_OUTPUTS)."""
        stack = stack_name.rsplit("/", 1)[-1]
        cluster_name = f"{stack}-cluster"
        endpoint = f"https://{_digest(stack_name, 32).upper()}.gr7.{self.region}.eks.amazonaws.com"
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": {"server": endpoint}}],
        }
        outputs = {
            "kubeconfig": json.dumps(kubeconfig),
            "clusterName": cluster_name,
            "clusterArn": f"arn:aws:eks:{self.region}:{ACCOUNT_ID}:cluster/{cluster_name}",
            # An eks-mode stack spans the first three zones EKS can use, in name order.
            "availabilityZones": [
                name
                for name, zone_id in availability_zones(self.region).items()
                if zone_id not in EKS_UNSUPPORTED_ZONE_IDS
            ][:3],
            "kubernetesVersion": "1.35",
            "ingressClass": f"{stack}-traefik",
            "reviewDomain": f"review.{stack}.example.edu",
        }
        return stack_name, {"name": stack_name, "outputs": outputs, "secretOutputNames": ["kubeconfig"]}

    def _arn(self, typ: str, resource_id: str) -> str:
        service = typ.split(":")[1].split("/", maxsplit=1)[0] if typ.startswith("aws:") else "pulumi"
        kind = re.sub(r"(?<!^)(?=[A-Z])", "-", typ.rsplit(":", 1)[-1]).lower()  # InternetGateway: internet-gateway
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{kind}/{resource_id}"


@dataclass(frozen=True)
class SecretValue:
    """A value Pulumi marked secret; the plan prints it as `[secret]`, tests can still read it."""

    value: Any


def mark_secrets(value: Any) -> Any:
    """Replace Pulumi's wire markers for secrets with `SecretValue`, at any depth."""
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            return SecretValue(mark_secrets(value.get("value")))
        return {k: mark_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mark_secrets(v) for v in value]
    return value


def _thread_loop() -> asyncio.AbstractEventLoop:
    """The event loop of the calling thread, the one the base monitor made or found there."""
    loop: asyncio.AbstractEventLoop = _ensure_event_loop()  # type: ignore[no-untyped-call]
    return loop


class Registration(NamedTuple):
    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    depends_on: list[str]
    protect: bool
    custom: bool
    inputs: dict[str, Any]
    read: bool = False
    """Read, not created: a StackReference or a `get` of an existing resource."""
    ignore_changes: tuple[str, ...] = ()
    """Inputs a later `pulumi up` leaves as they are in the cloud (the resource option)."""
    property_dependencies: Mapping[str, list[str]] = MappingProxyType({})
    """Each input's dependencies: the sorted URNs of the resources its value comes from (inputs with
    none left out). A resource whose ID changes changes these inputs."""


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps the whole registration request, which `Mocks` never sees."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}
        self.invoked: set[str] = set()
        """The tokens of the invokes the program made."""
        self.thread_loops: set[asyncio.AbstractEventLoop] = set()

    def close_thread_loops(self) -> None:
        """Close the event loop the base monitor makes in each executor thread it is called on.

        Left open, they are collected at interpreter exit, after the sockets they close, and
        print a traceback.
        """
        for loop in self.thread_loops:
            loop.close()
        self.thread_loops.clear()

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().Invoke(request)  # type: ignore[no-untyped-call]
        self.invoked.add(request.tok)
        self.thread_loops.add(_thread_loop())
        return response

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # Like the engine: a child's type is qualified by its parent's, except under the stack.
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = f"{parent_type}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        self._record(request, request.object, protect=bool(request.protect), custom=bool(request.custom), read=False)
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self._record(request, request.properties, protect=False, custom=True, read=True)
        return response

    def _record(self, request: Any, properties: Any, *, protect: bool, custom: bool, read: bool) -> None:
        self.thread_loops.add(_thread_loop())
        urn = self.make_urn(request.parent, request.type, request.name)
        provider = request.provider.rsplit("::", 1)[0] if request.provider else None
        self.registrations[urn] = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            provider=provider,
            depends_on=sorted(set(request.dependencies)),
            protect=protect,
            custom=custom,
            inputs=mark_secrets(deserialize_properties(properties, keep_unknowns=True)),
            read=read,
            ignore_changes=tuple(getattr(request, "ignoreChanges", ())),
            property_dependencies=_property_dependencies(request),
        )


def _property_dependencies(request: Any) -> dict[str, list[str]]:
    """The request's per-input dependencies (a read carries none)."""
    by_input = getattr(request, "propertyDependencies", {})
    return {key: sorted(set(by_input[key].urns)) for key in sorted(by_input) if by_input[key].urns}
