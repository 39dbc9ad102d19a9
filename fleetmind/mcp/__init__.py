"""`fleetmind mcp`: the fleet as Model Context Protocol tools (stdio or streamable HTTP).

`build_server(client, devices)` makes the server; `fleetmind.cli.mcp` runs it.
"""

from .device_tools import add_device_tools, screen_text
from .server import INSTRUCTIONS, build_server, task_view

__all__ = ["INSTRUCTIONS", "add_device_tools", "build_server", "screen_text", "task_view"]
