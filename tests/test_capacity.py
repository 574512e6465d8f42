"""Students per node: the defaults fit about 50 students on one 8 vCPU / 32 GiB user node."""

from settings.hub import DefaultResources, quantity_bytes
from tools.capacity import GIB, INSTANCE_TYPES, SYSTEM_PODS_PER_NODE, allocatable_memory, students_per_node
from tools.plan import render_summary
from tools.program import ProgramRun

NODE = INSTANCE_TYPES["t3.2xlarge"]


def test_the_defaults_fit_about_fifty_students_on_a_node() -> None:
    defaults = DefaultResources()
    assert defaults.memory_guarantee and defaults.memory_limit and defaults.cpu_guarantee
    capacity = students_per_node(NODE, quantity_bytes(defaults.memory_guarantee), defaults.cpu_guarantee)
    assert 48 <= capacity.students <= 60, capacity
    # memory is over-subscribed: the limits add up to more than the node has
    assert capacity.students * quantity_bytes(defaults.memory_limit) > allocatable_memory(NODE)


def test_the_tightest_bound_wins() -> None:
    roomy = students_per_node(NODE, 256 * 2**20, 0.05)
    assert roomy.bound == "pods the VPC CNI allows" and roomy.students == NODE.max_pods - SYSTEM_PODS_PER_NODE
    hungry = students_per_node(NODE, 2 * GIB, 0.05)
    assert hungry.bound == "memory" and hungry.students == hungry.by_memory < roomy.students
    busy = students_per_node(NODE, 256 * 2**20, 1.0)
    assert busy.bound == "CPU" and busy.students == 7


def test_the_plan_summary_says_how_many_students_a_node_holds(stack_runs: dict[str, ProgramRun]) -> None:
    summary = render_summary(stack_runs["prod"])
    assert "Students per user node: 53 on t3.2xlarge" in summary
    assert "Students per user node" not in render_summary(stack_runs["local"])
