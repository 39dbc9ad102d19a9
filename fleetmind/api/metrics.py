"""`GET /metrics`: the orchestrator's Prometheus metrics (devices, queue depths, step
latencies, errors; see `orchestrator.telemetry`), behind the API token when one is set."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from ..orchestrator.telemetry import telemetry_for
from .auth import require_token
from .tasks import Orch

router = APIRouter(dependencies=[Depends(require_token)])


@router.get("/metrics", tags=["operations"], response_class=Response)
async def metrics(orch: Orch) -> Response:
    """Prometheus text format: scrape it with a `metrics_path: /metrics` job."""
    return Response(telemetry_for(orch).metrics_text(), media_type=CONTENT_TYPE_LATEST)
