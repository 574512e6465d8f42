"""Running code on a Jupyter kernel over its websocket, as a notebook front end does."""

import json
import uuid
from typing import Any


class KernelError(Exception):
    """The kernel raised, or its connection closed; the message says which."""


async def execute(connection: Any, code: str) -> str:
    """Run `code` on the kernel behind a channels websocket; return what it printed."""
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
    await connection.write_message(json.dumps(message))
    printed: list[str] = []
    status, idle = None, False
    while status is None or not idle:
        raw = await connection.read_message()
        if raw is None:
            raise KernelError("the kernel's connection closed")
        reply = json.loads(raw)
        if reply.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = reply["header"]["msg_type"]
        if kind == "stream":
            printed.append(reply["content"]["text"])
        elif kind == "error":
            raise KernelError(f"{reply['content']['ename']}: {reply['content']['evalue']}")
        elif kind == "execute_reply":
            status = reply["content"]["status"]
        elif kind == "status" and reply["content"]["execution_state"] == "idle":
            idle = True
    return "".join(printed)
