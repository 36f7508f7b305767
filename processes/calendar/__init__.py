"""The working-day calendar: the calendar in force and the functions diagrams call, deadline
tracking, and the use cases that load a year's official schedule."""
