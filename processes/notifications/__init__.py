"""Messages to users about their work: new tasks, returns, urges, due dates, outcomes."""
