"""Administration and process ownership (issue 7): monitoring, incidents, users, drafts, scenarios,
migration between versions, the dashboard."""
