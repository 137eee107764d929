def pytest_terminal_summary(terminalreporter):
    from tests.fuzz.test_api_fuzz import STATUSES

    if STATUSES:
        answers = ", ".join(
            f"{status}: {count}" for status, count in sorted(STATUSES.items(), key=str)
        )
        terminalreporter.write_line(f"API fuzz: {sum(STATUSES.values())} requests; {answers}")
