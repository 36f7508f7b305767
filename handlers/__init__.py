"""Automated checks and actions called by BPMN service tasks.

Pure functions: data in, data out. This package imports neither flask, sqlalchemy nor
SpiffWorkflow (enforced by the import-linter contract in pyproject.toml).
"""
