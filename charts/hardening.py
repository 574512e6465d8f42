"""What every platform container gets, written once for the charts' values functions.

Invariant guarded here: a container of the platform asks for and is capped at a CPU and memory
figure its values function states (with the reason beside the number), never escalates its
privileges, drops every Linux capability and runs under the container runtime's default seccomp
profile; it runs as a non-root user. tests/charts/test_hardening.py scans every rendered pod for
exactly this.
"""

from typing import Any

# A container's securityContext, in the charts' own (Kubernetes) spelling.
RESTRICTED_CONTAINER: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def restricted_container(**extra: Any) -> dict[str, Any]:
    """RESTRICTED_CONTAINER plus what a chart's container needs besides (its user, a read-only root)."""
    return {**RESTRICTED_CONTAINER, **extra}


def resources(cpu: str, memory: str, *, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    """Requests (what the scheduler reserves) and limits (where the kernel throttles or kills)."""
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}
