"""The client API on FastAPI (REST, event stream, OpenAPI docs) and the web UI's assets.

`create_app(orchestrator)` builds the app; `ApiServer` runs it with uvicorn on one
port beside the agent endpoint. `fleetmind serve` is the command that does both.
"""

from .app import create_app
from .server import ApiServer

__all__ = ["ApiServer", "create_app"]
