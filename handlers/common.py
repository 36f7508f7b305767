"""General-purpose handlers usable from any diagram."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.registry import HandlerContext, handler


@handler("sample_score")
def sample_score(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Demo/test handler: score = total_assets_wan × factor (no article; used by the sample diagram)."""
    return {"score": float(data.get("total_assets_wan") or 0) * float(data.get("factor") or 1)}


@handler("record_time")
def record_time(data: Mapping[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Stamp the current (injected) time into ``recorded_at``."""
    return {"recorded_at": ctx.now.isoformat()}
