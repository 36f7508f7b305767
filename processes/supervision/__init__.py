"""Supervision of recognised platforms (Chapter 5, Art. 16–22): quarterly reports, county aggregates,
inspections, spot checks, revocation, expiry.

Importing the package registers the save hooks and lookups of its processes.
"""

from processes.supervision import hooks as _hooks  # noqa: F401  (registers lookups + save hooks)
