"""Supervision of recognised platforms (Chapter 5, Art. 16–22): quarterly reports, county aggregates,
inspections, spot checks, revocation, expiry.

``processes.areas`` plugs its save hooks, start rules and completion rule into the runtime.
"""
