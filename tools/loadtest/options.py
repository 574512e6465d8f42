"""What a load test runs: its options, and the notebook every student runs."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from tools.ops.healthcheck import DEFAULT_START_TIMEOUT_SECONDS

NOTEBOOK = "loadtest.ipynb"
DEFAULT_CELLS = (
    "import math\ntotal = sum(math.sqrt(i) for i in range(200_000))",
    "data = [i * i for i in range(50_000)]\nprint(len(data))",
    "print('loadtest-done', round(total))",
)


@dataclass
class Options:
    url: str
    token: str
    students: int = 10
    duration: float = 60.0
    ramp_up_per_second: float = 1.0
    think_seconds: float = 10.0
    cells: tuple[str, ...] = DEFAULT_CELLS
    start_timeout: float = DEFAULT_START_TIMEOUT_SECONDS
    """Seconds a student waits for a server, throttled retries included: as long as the hub waits."""
    browser_students: int = 0
    password: str | None = None
    keep: bool = False
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    def user(self, index: int) -> str:
        return f"loadtest-{self.run_id}-{index:03d}"


def notebook(cells: tuple[str, ...]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "source": code,
                "outputs": [],
                "execution_count": None,
            }
            for i, code in enumerate(cells)
        ],
    }
