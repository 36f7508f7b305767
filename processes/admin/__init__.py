"""Administration and process ownership: monitoring, incidents, users, drafts, scenarios,
migration between versions, the dashboard."""
