"""The security tests drive the recognition procedure too (uploads, objections, the matrix's case)."""

from tests.recognition.conftest import rec  # noqa: F401 - the fixture, shared
