"""Hub settings: who may log in, what each group gets, where home directories live, how it looks."""

import re
from enum import StrEnum
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic.alias_generators import to_camel

from contracts import HUB_CONFIG_DIR, REPOSITORY
from settings.types import KeyedError, SettingsModel, matching

# Memory sizes as JupyterHub reads them (its ByteSpecification): K, M, G and T are powers of
# 1024, so "2G" is 2 GiB both here and in the pod's resources.
_QUANTITY = re.compile(r"(\d+(\.\d+)?)([KMGT])?")
_FACTORS = {None: 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def quantity_bytes(quantity: str) -> int:
    """`"2G"` is 2147483648 bytes, as JupyterHub and the pod's resources have it."""
    match = _QUANTITY.fullmatch(quantity)
    if not match:
        raise ValueError(f"{quantity!r} is not a memory size")
    return int(float(match.group(1)) * _FACTORS[match.group(3)])


def _check_quantity(quantity: str) -> str:
    if not _QUANTITY.fullmatch(quantity):
        raise ValueError("is not a memory size like 512M or 2G (K, M, G, T count in powers of 1024)")
    return quantity


Quantity = Annotated[str, AfterValidator(_check_quantity)]
GroupName = Annotated[str, matching(r"[\w .@-]{1,255}", "a group name (letters, digits, spaces and _ . @ -)")]
Url = Annotated[str, matching(r"https://[^\s]+", "an https:// URL")]
# Under a filesystem's root: relative, and never climbing out of it.
SubPath = Annotated[str, matching(r"(?!.*(^|/)\.\.(/|$))[\w.-]+(/[\w.-]+)*", "a relative path like courses/med101")]
MountPath = Annotated[str, matching(r"(/[\w.-]+)+", "an absolute path like /home/jovyan/shared")]
KubernetesQuantity = Annotated[str, matching(r"\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?", "a Kubernetes quantity like 10Gi")]
# A registry host may carry a port (registry.example.edu:5000/...); a ':' after the last '/' is a tag.
_IMAGE_NAME = r"([a-z0-9]+([._-][a-z0-9]+)*(:\d+)?/)*[a-z0-9]+([._-][a-z0-9]+)*"
_IMAGE_TAG = r"[\w][\w.-]{0,127}"


def _check_image_name(name: str) -> str:
    if re.fullmatch(rf"{_IMAGE_NAME}:{_IMAGE_TAG}", name):
        raise ValueError("carries a tag: give the name alone here and the tag in `tag`")
    if not re.fullmatch(_IMAGE_NAME, name):
        raise ValueError("is not a container image name like quay.io/jupyter/scipy-notebook (lowercase, no tag)")
    return name


def _check_image_reference(reference: str) -> str:
    if not re.fullmatch(rf"{_IMAGE_NAME}(:{_IMAGE_TAG}|@sha256:[0-9a-f]{{64}})", reference):
        raise ValueError("is not an image reference with its tag, like quay.io/jupyter/datascience-notebook:2026-11-16")
    return reference


ImageName = Annotated[str, AfterValidator(_check_image_name)]
ImageTag = Annotated[str, matching(_IMAGE_TAG, "an image tag like 2026-11-20 or a commit SHA")]
ImageReference = Annotated[str, AfterValidator(_check_image_reference)]
# NFS: a server is a hostname or an IPv4 address, its export an absolute path on it.
NfsServer = Annotated[
    str,
    matching(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", "a hostname or address like nfs.example.edu, no URL"),
]
NfsExport = Annotated[
    str, matching(r"(?!.*/\.\.(/|$))/([\w.-]+(/[\w.-]+)*)?", "an absolute exported path like /export/home")
]


class Authenticator(StrEnum):
    GENERIC_OAUTH = "generic-oauth"
    GITHUB = "github"
    CILOGON = "cilogon"
    SHARED_PASSWORD = "shared-password"


OAUTH = (Authenticator.GENERIC_OAUTH, Authenticator.GITHUB, Authenticator.CILOGON)


# Claims each authenticator reads when the stack names none.
DEFAULT_CLAIMS = {
    Authenticator.GENERIC_OAUTH: ("preferred_username", "groups"),
    Authenticator.CILOGON: ("eppn", "isMemberOf"),
}


# OAuthenticator's callback handler, under the hub's prefix (/hub/).
OAUTH_CALLBACK_PATH = "/hub/oauth_callback"
_EVERY_LOGIN = {"authenticator", "allowed_users", "admin_users", "allow_all"}
_OAUTH_LOGIN = _EVERY_LOGIN | {"client_id", "client_secret", "callback_url", "allowed_groups"}
_AUTH_KEYS = {
    Authenticator.SHARED_PASSWORD: _EVERY_LOGIN | {"shared_password"},
    Authenticator.GITHUB: _OAUTH_LOGIN,
    Authenticator.CILOGON: _OAUTH_LOGIN | {"cilogon_idp", "username_claim", "groups_claim", "admin_groups"},
    Authenticator.GENERIC_OAUTH: _OAUTH_LOGIN
    | {
        "authorize_url",
        "token_url",
        "userdata_url",
        "username_claim",
        "groups_claim",
        "scope",
        "userdata_from_id_token",
        "admin_groups",
    },
}


class AuthSettings(SettingsModel):
    authenticator: Authenticator = Field(
        description=(
            "How people log in: `generic-oauth` (any OAuth2/OIDC provider: Keycloak, Azure AD, Okta, a "
            "university IdP), `github`, `cilogon`, or `shared-password` (one password for everyone; "
            "development and review stacks only)."
        ),
    )
    client_id: str | None = Field(default=None, description="OAuth client ID registered for this stack's hostname.")
    client_secret: SecretStr | None = Field(
        default=None,
        description="OAuth client secret, as a secret (`pulumi config set --secret --path ...auth.clientSecret`).",
    )
    callback_url: Url | None = Field(
        default=None,
        description="OAuth callback URL. Left out: `https://<ingress.hostname>/hub/oauth_callback`.",
    )
    authorize_url: Url | None = Field(
        default=None, description="`generic-oauth`: the provider's authorization endpoint."
    )
    token_url: Url | None = Field(default=None, description="`generic-oauth`: the provider's token endpoint.")
    userdata_url: Url | None = Field(default=None, description="`generic-oauth`: the provider's userinfo endpoint.")
    username_claim: str | None = Field(
        default=None,
        description=(
            "`generic-oauth`, `cilogon`: the claim that becomes the username. Left out: `preferred_username` "
            "(generic-oauth) or `eppn` (cilogon)."
        ),
    )
    scope: list[str] = Field(
        default_factory=lambda: ["openid", "profile", "email"],
        description="`generic-oauth`: scopes to ask for; Okta, for one, sends groups only with `groups` here.",
    )
    userdata_from_id_token: bool = Field(
        default=False,
        description=(
            "`generic-oauth`: read the user's claims from the ID token instead of the userinfo endpoint "
            "(Azure AD puts groups only there)."
        ),
    )
    cilogon_idp: str | None = Field(
        default=None,
        min_length=1,
        description="`cilogon`: the identity provider CILogon sends people to (its entity ID, a URL or URN).",
    )
    groups_claim: str | None = Field(
        default=None,
        description=(
            "`generic-oauth`, `cilogon`: the claim listing the user's groups. JupyterHub keeps group membership "
            "in step with it at every login, so the identity provider decides who is a student or instructor. "
            "Left out: `groups` (generic-oauth) or `isMemberOf` (cilogon). Keycloak sends full group paths "
            "(`/instructors`) unless its mapper's full-path switch is off."
        ),
    )
    allowed_users: list[str] = Field(default_factory=list, description="Usernames allowed to log in.")
    allowed_groups: list[GroupName] = Field(
        default_factory=list,
        description=(
            "Groups whose members may log in (GitHub: organizations). Empty, with no allowedUsers: anyone the "
            "provider accepts."
        ),
    )
    allow_all: bool = Field(
        default=False,
        description=(
            "Let in everyone the provider accepts, with no allowedUsers or allowedGroups. Production and staging "
            "stacks must say so here: a GitHub login without an allow list admits every GitHub account."
        ),
    )
    admin_users: list[str] = Field(default_factory=list, description="Usernames with admin rights in the hub.")
    admin_groups: list[GroupName] = Field(default_factory=list, description="Groups whose members are hub admins.")
    shared_password: SecretStr | None = Field(
        default=None,
        description="`shared-password`: the password, as a secret, at least 8 characters.",
    )

    @model_validator(mode="after")
    def _keys_of_its_kind(self) -> Self:
        # A key another login reads would be ignored without a word.
        foreign = sorted(self.model_fields_set - _AUTH_KEYS[self.authenticator])
        if foreign:
            why = " (GitHub brings no groups here: use adminUsers)" if foreign[0] == "admin_groups" else ""
            raise KeyedError(
                to_camel(foreign[0]), f"does not apply to the {self.authenticator.value} authenticator{why}"
            )
        callback = self.callback_url
        if callback is not None and urlsplit(callback).path != OAUTH_CALLBACK_PATH:
            raise KeyedError(
                "callbackUrl",
                f"must end in {OAUTH_CALLBACK_PATH}, where the hub's OAuthenticator takes the provider's answer",
                callback,
            )
        return self

    @model_validator(mode="after")
    def _complete_for_its_kind(self) -> Self:
        if self.authenticator in OAUTH:
            for key in ("client_id", "client_secret"):
                if getattr(self, key) is None:
                    raise KeyedError(to_camel(key), f"is required for the {self.authenticator.value} authenticator")
        if self.authenticator is Authenticator.GENERIC_OAUTH:
            for key in ("authorize_url", "token_url", "userdata_url"):
                if getattr(self, key) is None:
                    raise KeyedError(to_camel(key), "is required for the generic-oauth authenticator")
        if self.allow_all and (self.allowed_users or self.allowed_groups):
            raise KeyedError("allowAll", "lets everyone in, so allowedUsers and allowedGroups would do nothing")
        if self.authenticator is Authenticator.CILOGON and self.cilogon_idp is None:
            raise KeyedError("cilogonIdp", "is required for the cilogon authenticator")
        if self.authenticator is Authenticator.SHARED_PASSWORD:
            password = self.shared_password
            if password is None or len(password.get_secret_value()) < 8:
                raise KeyedError("sharedPassword", "is required for shared-password, at least 8 characters")
        return self

    @property
    def claims(self) -> tuple[str, str]:
        """(username claim, groups claim), the stack's or the authenticator's defaults."""
        username, groups = DEFAULT_CLAIMS.get(self.authenticator, ("", ""))
        return self.username_claim or username, self.groups_claim or groups


class Resources(SettingsModel):
    memory_guarantee: Quantity | None = Field(default=None, description="Memory reserved for each server.")
    memory_limit: Quantity | None = Field(default=None, description="Memory a server may use before it is killed.")
    cpu_guarantee: float | None = Field(default=None, gt=0, le=64, description="CPUs reserved for each server.")
    cpu_limit: float | None = Field(default=None, gt=0, le=64, description="CPUs a server may use at most.")
    image: ImageReference | None = Field(
        default=None, description="Groups only: another single-user image, `name:tag`."
    )

    @model_validator(mode="after")
    def _limits_above_guarantees(self) -> Self:
        guarantee, limit = self.memory_guarantee, self.memory_limit
        if guarantee and limit and quantity_bytes(limit) < quantity_bytes(guarantee):
            raise KeyedError("memoryLimit", f"is below memoryGuarantee {guarantee}", limit)
        if self.cpu_guarantee and self.cpu_limit and self.cpu_limit < self.cpu_guarantee:
            raise KeyedError("cpuLimit", f"is below cpuGuarantee {self.cpu_guarantee}", self.cpu_limit)
        return self


class DefaultResources(Resources):
    # About 50 students on one 8 vCPU / 32 GiB node: 50 x 0.55G guaranteed fits in what the node
    # can allocate; the 2G limit is over-subscribed, since not everyone computes at once.
    memory_guarantee: Quantity = Field(default="550M", description="Memory reserved for each server.")
    memory_limit: Quantity = Field(default="2G", description="Memory a server may use before it is killed.")
    cpu_guarantee: float = Field(default=0.1, gt=0, le=64, description="CPUs reserved for each server.")
    cpu_limit: float = Field(default=2.0, gt=0, le=64, description="CPUs a server may use at most.")


class SharedFolder(SettingsModel):
    name: Annotated[
        str, matching(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", "a short lowercase name like course-material")
    ] = Field(description="Name of the folder; mounted at `<sharedMountPath>/<name>`.")
    sub_path: SubPath = Field(
        description="Directory on the shared filesystem, relative to its root (`courses/med101`)."
    )
    read_write_groups: list[GroupName] = Field(default_factory=list, description="Groups that may write (instructors).")
    read_only_groups: list[GroupName] = Field(default_factory=list, description="Groups that may only read (students).")


StorageKind = Literal["efs", "ebs", "nfs", "host-path", "none"]
# Home storage on a filesystem every node mounts, whatever its zone.
SHARED_FILESYSTEMS = ("efs", "nfs", "host-path")
FileSystemId = Annotated[str, matching(r"fs-[0-9a-f]{8,40}", "an EFS file system ID like fs-0123456789abcdef0")]


class EfsSettings(SettingsModel):
    transition_to_ia_days: Literal[1, 7, 14, 30, 60, 90, 180, 270, 365] = Field(
        default=30,
        description=(
            "Days without access after which a file moves to EFS Infrequent Access (about a twelfth of the "
            "price, a fee per read); it comes back on its first access. One of the values AWS accepts."
        ),
    )
    file_system_id: FileSystemId | None = Field(
        default=None,
        description=(
            "An existing EFS file system to use instead of creating one; it needs a mount target in every "
            "private subnet, admitting NFS from the nodes."
        ),
    )


# Storage keys that only one kind reads (a key for another kind would be ignored without a word).
# (None: the kind left out, which is efs on a cluster of the stack's own.)
_STORAGE_KEYS: dict[str, tuple[StorageKind | None, ...]] = {
    "nfs_server": ("nfs",),
    "nfs_path": ("nfs",),
    "host_path": ("host-path",),
    "capacity": ("ebs",),
    "efs": ("efs", None),
}


def _nested(path: str, other: str) -> bool:
    """Whether one of two relative paths is the other or lies inside it."""
    a, b = path.strip("/").split("/"), other.strip("/").split("/")
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


class StorageSettings(SettingsModel):
    kind: StorageKind | None = Field(
        default=None,
        description=(
            "Where home directories live: `efs` (an EFS file system the program creates, reachable from every "
            "zone), `ebs` (one EBS volume per user: pinned to the zone it was made in, and a node attaches "
            "about 23), `nfs` (a server and export of your own), `host-path` (a shared filesystem already "
            "mounted on every node), or `none` (nothing survives a server's stop). Left out: `efs` in cluster "
            "mode eks, `ebs` (the cluster's default StorageClass) elsewhere."
        ),
    )
    efs: EfsSettings = Field(default_factory=EfsSettings, description="`efs`: the file system's settings.")
    host_path: MountPath | None = Field(
        default=None, description="`host-path`: the shared filesystem's mount point on the nodes."
    )
    nfs_server: NfsServer | None = Field(default=None, description="`nfs`: the server's hostname or address.")
    nfs_path: NfsExport | None = Field(default=None, description="`nfs`: the exported path, absolute.")
    homes_sub_path: SubPath = Field(
        default="home",
        description="`efs`, `nfs`, `host-path`: directory under the filesystem's root holding one per user.",
    )
    capacity: KubernetesQuantity = Field(default="10Gi", description="`ebs`: size of each user's volume.")
    shared_folders: list[SharedFolder] = Field(
        default_factory=list,
        description="`efs`, `nfs`, `host-path`: per-group folders, read-only or read-write by group.",
    )
    shared_mount_path: MountPath = Field(default="/home/jovyan/shared", description="Where shared folders appear.")

    @model_validator(mode="after")
    def _complete_for_its_kind(self) -> Self:
        if self.kind == "host-path" and not self.host_path:
            raise KeyedError("hostPath", "is required for host-path storage")
        if self.kind == "nfs" and not (self.nfs_server and self.nfs_path):
            raise KeyedError("nfsServer" if not self.nfs_server else "nfsPath", "is required for nfs storage")
        if self.shared_folders and self.kind in ("ebs", "none"):
            raise KeyedError("sharedFolders", "needs a shared filesystem: kind efs, nfs or host-path", self.kind)
        for key, kinds in _STORAGE_KEYS.items():
            if key in self.model_fields_set and self.kind not in kinds:
                raise KeyedError(
                    to_camel(key),
                    f"applies to kind {' or '.join(filter(None, kinds))}, not {self.kind or 'the default'}",
                )
        for index, folder in enumerate(self.shared_folders):
            if _nested(folder.sub_path, self.homes_sub_path):
                raise KeyedError(
                    f"sharedFolders[{index}].subPath",
                    f"overlaps homesSubPath {self.homes_sub_path}: its readers would see every student's home",
                    folder.sub_path,
                )
            if not (folder.read_write_groups or folder.read_only_groups):
                raise KeyedError(
                    f"sharedFolders[{index}]", "names no group: it would be mounted for nobody (readOnlyGroups, ...)"
                )
        names = [folder.name for folder in self.shared_folders]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise KeyedError(
                "sharedFolders",
                f"names {', '.join(repeated)} more than once: each folder is mounted at sharedMountPath/<name>",
            )
        return self


class DatabaseSettings(SettingsModel):
    kind: Literal["sqlite", "rds"] | None = Field(
        default=None,
        description=(
            "Where the hub keeps its state (users, servers, tokens): `rds`, a PostgreSQL instance the program "
            "creates (Multi-AZ in production: the hub can start in any zone), or `sqlite` on a volume beside "
            "the hub (pinned to that volume's zone). Left out: `rds` in production and staging stacks of "
            "cluster mode eks, `sqlite` elsewhere. `hub.databaseUrl` instead points at a database of your own."
        ),
    )
    instance_class: Annotated[str, matching(r"db\.[a-z0-9]+\.[a-z0-9]+", "an RDS instance class like db.t4g.small")] = (
        Field(
            default="db.t4g.small",
            description="`rds`: the instance class. The hub's queries are small; 2 GiB holds a class of thousands.",
        )
    )
    allocated_storage_gib: int = Field(
        default=20, ge=20, le=1000, description="`rds`: storage in GiB (gp3; 20 is the least RDS allows)."
    )
    backup_retention_days: int = Field(
        default=7,
        ge=7,
        le=35,
        description="`rds`: days of automated backups (point-in-time restore); at least a week, at most RDS's 35.",
    )
    engine_version: Annotated[str, matching(r"\d{2}(\.\d+)?", "a PostgreSQL major version like 17")] = Field(
        default="17", description="`rds`: the PostgreSQL major version (minor versions upgrade themselves)."
    )


class Image(SettingsModel):
    name: ImageName = Field(description="Image name without the tag.")
    tag: ImageTag = Field(description="Image tag; CI sets it per commit (see the README).")


def _check_logo(path: str) -> str:
    if not re.fullmatch(r"branding/[\w-][\w.-]*\.(png|svg)", path):
        raise ValueError(
            "must be a .png or .svg file in the repository's branding/ folder, like branding/university.svg"
        )
    if not (REPOSITORY / path).is_file():
        raise ValueError("does not exist in the repository: add the file, or leave the logo out")
    return path


class BrandingSettings(SettingsModel):
    title: str = Field(
        default="JupyterHub",
        max_length=80,
        description="Title in the browser tab of every hub page (JupyterLab keeps its own).",
    )
    logo: Annotated[str, AfterValidator(_check_logo)] | None = Field(
        default=None, description="Logo file in the repository, like `branding/university.svg`."
    )
    accent_color: Annotated[
        str, matching(r"#[0-9a-fA-F]{6}", "a colour #rrggbb (quoted in YAML: a # starts a comment)")
    ] = Field(default="#f37524", description="Accent colour, `#rrggbb`.")


# What `extraValues` may not override, by key path in the z2jh chart's values, and why: the names
# every object and home is found by, the secrets and tokens the program manages, the login, and
# which nodes each pod runs on.
GUARANTEED_VALUES = {
    "fullnameOverride": "names every object after the stack",
    "nameOverride": "names every object after the stack",
    "singleuser.podNameTemplate": "names the students' pods after the stack",
    "singleuser.storage": "is where homes live: set hub.storage",
    "hub.cookieSecret": "is a secret the chart keeps",
    "proxy.secretToken": "is a secret the chart keeps",
    "hub.existingSecret": "is the Secret the program writes",
    "hub.db": "is the hub's database: set hub.database",
    "hub.services": "holds the services whose tokens the program manages",
    "hub.loadRoles": "holds the roles of the health check and metrics",
    "hub.config.JupyterHub.authenticator_class": "is the login: set hub.auth",
    "hub.config.Authenticator": "is the login: set hub.auth",
    "hub.config.OAuthenticator": "is the login: set hub.auth",
    "hub.config.GenericOAuthenticator": "is the login: set hub.auth",
    "hub.config.GitHubOAuthenticator": "is the login: set hub.auth",
    "hub.config.CILogonOAuthenticator": "is the login: set hub.auth",
    "hub.config.CryptKeeper": "is a secret the chart keeps",
    "scheduling": "decides which nodes students and placeholders run on",
}
# Keys guarded wherever they appear (hub, proxy, singleuser, prePuller, ...), and why.
_GUARDED_KEYS = {
    **dict.fromkeys(
        ("nodeSelector", "tolerations", "extraTolerations", "affinity", "extraNodeAffinity"),
        "chooses the nodes a pod runs on, which the platform decides",
    ),
    "networkPolicy": "is a network policy the platform keeps on (see Hardening in the README)",
    **dict.fromkeys(
        ("containerSecurityContext", "podSecurityContext", "securityContext", "allowPrivilegeEscalation"),
        "is a security context the platform hardens (see Hardening in the README)",
    ),
}
_GUARDED_SINGLEUSER = {
    "cloudMetadata": "keeps the metadata service out of the servers' reach without a privileged container",
    "uid": "is the notebook user the platform's security context and homes are made for",
    "fsGid": "is the notebook user the platform's security context and homes are made for",
}
# What a profile's kubespawner_override may not change: the same guarantees, in KubeSpawner's names.
_GUARDED_OVERRIDES = (
    "node_selector",
    "tolerations",
    "node_affinity_required",
    "node_affinity_preferred",
    "extra_pod_config",
    "uid",
    "gid",
    "fs_gid",
    "privileged",
    "allow_privilege_escalation",
    "container_security_context",
    "pod_security_context",
)
# The platform's own hub.extraConfig snippets, by key (hub_config/<key>.py).
_PLATFORM_SNIPPETS = {path.stem for path in HUB_CONFIG_DIR.glob("*.py")}


def _guarded_paths(values: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if path in GUARANTEED_VALUES:
            found.append((path, GUARANTEED_VALUES[path]))
        elif key in _GUARDED_KEYS:
            found.append((path, _GUARDED_KEYS[key]))
        elif prefix == "singleuser." and key in _GUARDED_SINGLEUSER:
            found.append((path, _GUARDED_SINGLEUSER[key]))
        elif prefix == "hub.extraConfig." and key in _PLATFORM_SNIPPETS:
            found.append((path, f"is the platform's own hub_config/{key}.py: give yours another name"))
        elif path == "singleuser.profileList" and isinstance(value, list):
            found += _guarded_profile_overrides(value)
        elif isinstance(value, dict):
            found += _guarded_paths(value, f"{path}.")
    return found


def _guarded_profile_overrides(profiles: list[Any]) -> list[tuple[str, str]]:
    found = []
    for index, profile in enumerate(profiles):
        overrides = [(f"[{index}]", profile.get("kubespawner_override", {}) if isinstance(profile, dict) else {})]
        options = profile.get("profile_options", {}) if isinstance(profile, dict) else {}
        for option_name, option in options.items() if isinstance(options, dict) else ():
            for choice_name, choice in (option.get("choices") or {}).items() if isinstance(option, dict) else ():
                where = f"[{index}].profile_options.{option_name}.choices.{choice_name}"
                overrides.append((where, choice.get("kubespawner_override", {}) if isinstance(choice, dict) else {}))
        for where, override in overrides:
            for key in _GUARDED_OVERRIDES:
                if isinstance(override, dict) and key in override:
                    found.append(
                        (
                            f"singleuser.profileList{where}.kubespawner_override.{key}",
                            "is what the platform decides for every server (nodes, user, security context)",
                        )
                    )
    return found


def _check_extra_values(values: dict[str, Any]) -> dict[str, Any]:
    overridden = _guarded_paths(values)
    if overridden:
        path, why = overridden[0]
        raise KeyedError(path, f"cannot be set through extraValues: it {why}")
    return values


class HubSettings(SettingsModel):
    auth: AuthSettings = Field(description="Who may log in, and how. Every stack says it.")
    hub_image: Image | None = Field(default=None, description="The hub's image. Left out: the chart's own.")
    singleuser_image: Image = Field(
        default_factory=lambda: Image(name="quay.io/jupyter/scipy-notebook", tag="2026-11-16"),
        description="The students' notebook image.",
    )
    resources: DefaultResources = Field(default_factory=DefaultResources, description="What every server gets.")
    groups: dict[GroupName, Resources] = Field(
        default_factory=dict,
        description=(
            "More for some groups, by group name: a user in several groups gets the largest of each value "
            "(memory, CPU) among them; the image of the group that sorts last."
        ),
    )
    storage: StorageSettings = Field(
        default_factory=StorageSettings, description="Home directories and shared folders."
    )
    branding: BrandingSettings = Field(
        default_factory=BrandingSettings, description="How the hub looks: title, logo, accent colour."
    )
    extra_values: Annotated[dict[str, Any], AfterValidator(_check_extra_values)] = Field(
        default_factory=dict,
        description=(
            "z2jh chart values this model does not wrap (`singleuser.profileList`, `singleuser.extraEnv`, "
            "`singleuser.lifecycleHooks`, ...), merged into the chart's values last, key by key (a list replaces "
            "a list). Helm checks them against the chart's schema. Names, secrets, the login, storage, the "
            "database and node selection are the platform's and refused here. Put no secret here: the plan "
            "shows these values."
        ),
    )
    idle_timeout_minutes: int | None = Field(
        default=None,
        ge=10,
        le=1440,
        description="Stop servers idle this long. Left out: 60 in production, 30 elsewhere.",
    )
    max_age_hours: int | None = Field(
        default=None,
        ge=1,
        le=168,
        description="Stop servers running this long. Left out: 12 in production, 4 elsewhere.",
    )
    placeholders: int | None = Field(
        default=None,
        ge=0,
        le=500,
        description=(
            "User placeholders: empty pods holding room for that many students so a class does not wait for "
            "new nodes. Left out: 20 in production, 5 in staging, 0 elsewhere."
        ),
    )
    concurrent_spawn_limit: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description=(
            "Servers that may be starting at once: the largest class that starts together. JupyterHub refuses "
            'a start beyond it (HTTP 429, "try again in 30 seconds"); it does not queue it. Left out: 300 in '
            "production and staging, 50 elsewhere."
        ),
    )
    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="The hub's database: RDS PostgreSQL or SQLite."
    )
    database_url: SecretStr | None = Field(
        default=None,
        description=("A PostgreSQL URL of a database of your own for the hub, as a secret; instead of `database`."),
    )

    @model_validator(mode="after")
    def _one_database(self) -> Self:
        if self.database_url is not None and self.database.kind == "rds":
            raise KeyedError("databaseUrl", "and database.kind rds both name the hub's database: keep one")
        return self

    @model_validator(mode="after")
    def _one_default_image(self) -> Self:
        if self.resources.image is not None:
            raise KeyedError(
                "resources.image", "is for groups only: everyone's image is hub.singleuserImage", self.resources.image
            )
        return self

    @model_validator(mode="after")
    def _groups_come_from_the_login(self) -> Self:
        # JupyterHub's groups come from the identity provider's groups claim; a GitHub login here
        # brings none (organizations only decide who may log in), so these would match nobody.
        if self.auth.authenticator is not Authenticator.GITHUB:
            return self
        if self.groups:
            raise KeyedError(
                "groups", "needs a login that brings groups: a GitHub login here brings none (use generic-oauth)"
            )
        for index, folder in enumerate(self.storage.shared_folders):
            if folder.read_write_groups or folder.read_only_groups:
                raise KeyedError(
                    f"storage.sharedFolders[{index}]",
                    "is shared by group, but a GitHub login here brings no groups (use generic-oauth)",
                )
        return self

    @model_validator(mode="after")
    def _groups_guarantee_within_limits(self) -> Self:
        # A group's guarantee above the limit it ends up with (its own or everyone's) would make
        # Kubernetes refuse the pod at spawn time.
        for name, group in sorted(self.groups.items()):
            memory_limit = group.memory_limit or self.resources.memory_limit
            guarantee = group.memory_guarantee
            if guarantee and memory_limit and quantity_bytes(guarantee) > quantity_bytes(memory_limit):
                raise KeyedError(
                    f"groups.{name}.memoryGuarantee", f"is above the memory limit {memory_limit}", guarantee
                )
            cpu_limit = group.cpu_limit or self.resources.cpu_limit
            if group.cpu_guarantee and cpu_limit and group.cpu_guarantee > cpu_limit:
                raise KeyedError(
                    f"groups.{name}.cpuGuarantee", f"is above the CPU limit {cpu_limit}", group.cpu_guarantee
                )
        return self
