"""Running code on a Jupyter kernel over its websocket, as a notebook front end does.

The messages are the Jupyter messaging protocol's (an `execute_request` on the shell channel; the
replies that share its msg_id: `stream`, `error`, `execute_reply`, then `status: idle`); the
transport is the caller's: tornado's websocket in the health check, websocket-client in the load
test's students.
"""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


class KernelError(Exception):
    """The kernel raised, or its connection closed; the message says which."""


def execute_request(code: str) -> tuple[str, str]:
    """(msg_id, the message to send) for running `code`."""
    msg_id = uuid.uuid4().hex
    message = {
        "header": {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": "",
            "session": msg_id,
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
        },
        "channel": "shell",
    }
    return msg_id, json.dumps(message)


@dataclass
class Execution:
    """The replies to one execute_request, read one message at a time."""

    msg_id: str
    printed: list[str] = field(default_factory=list)
    status: str | None = None
    idle: bool = False

    def read(self, raw: str | None) -> bool:
        """Take one message from the socket; True once the execution is over. KernelError if it raised."""
        if raw is None:
            raise KernelError("the kernel's connection closed")
        reply: dict[str, Any] = json.loads(raw)
        if reply.get("parent_header", {}).get("msg_id") == self.msg_id:
            kind = reply["header"]["msg_type"]
            if kind == "stream":
                self.printed.append(reply["content"]["text"])
            elif kind == "error":
                raise KernelError(f"{reply['content']['ename']}: {reply['content']['evalue']}")
            elif kind == "execute_reply":
                self.status = reply["content"]["status"]
            elif kind == "status" and reply["content"]["execution_state"] == "idle":
                self.idle = True
        return self.status is not None and self.idle

    @property
    def output(self) -> str:
        return "".join(self.printed)


async def execute(connection: Any, code: str) -> str:
    """Run `code` on the kernel behind a tornado channels websocket; return what it printed."""
    msg_id, message = execute_request(code)
    await connection.write_message(message)
    execution = Execution(msg_id)
    while not execution.read(await connection.read_message()):
        pass
    return execution.output
