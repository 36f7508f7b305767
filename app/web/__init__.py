"""Server-rendered pages (Chinese by default), one blueprint per area: home, tasks, notifications,
recognition, public, supervision, calendar, admin."""
