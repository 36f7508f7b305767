"""JSON API under /api/v1, one blueprint per area. Bearer tokens; errors as {"error", "errors"}."""
