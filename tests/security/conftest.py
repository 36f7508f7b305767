"""The security tests drive the recognition procedure too (uploads, objections, the matrix's case): the
``rec`` fixture comes from tests/conftest.py."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """The authorisation matrix's figures (tests/security/test_authorisation_matrix.py), when it ran."""
    import sys

    # pytest may import the test module under another name than tests.security.…: find the one that ran
    ran = [m for name, m in list(sys.modules.items()) if name.endswith("test_authorisation_matrix")
           and getattr(m, "FIGURES", {}).get("pairs")]
    if not ran:
        return
    FIGURES, RULES, SUBJECTS = ran[0].FIGURES, ran[0].RULES, ran[0].SUBJECTS  # noqa: N806
    tr = terminalreporter
    tr.write_sep("-", "authorisation matrix")
    tr.write_line(f"{len(RULES)} routes × {len(SUBJECTS)} people = {len(RULES) * len(SUBJECTS)} pairs; "
                  f"tried {FIGURES['pairs']} on {FIGURES['routes']} routes: "
                  f"{len(FIGURES['wrongly_allowed'])} wrongly allowed, {len(FIGURES['wrongly_denied'])} wrongly "
                  f"denied, {len(FIGURES['errors'])} answered 500")
    for pair in FIGURES["wrongly_allowed"]:
        tr.write_line(f"  wrongly allowed: {pair}")
