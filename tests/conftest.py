"""Test-suite wide configuration: the checked-in list of known failures.

tests/known_failures.txt holds one test ID per line, `TEST_ID  # reason`, where TEST_ID is
either a test's name as pytest prints it (`test_program[hello-O2]`) or a full node ID
(`tests/test_programs.py::test_program[hello-O2]`).  Each listed test is marked
xfail(strict=True): it must fail, and once it passes the run fails until the line is
removed.  A line naming no collected test is a collection error, so the list cannot go
stale.  (When only part of the suite is collected, e.g. `pytest tests/test_isa.py` or a
node ID, lines for tests outside the collected part are not checked; -k and -m do not
narrow the check, since it runs before they deselect.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.reports import CollectReport

TESTS_DIR = Path(__file__).resolve().parent
KNOWN_FAILURES = TESTS_DIR / "known_failures.txt"


class KnownFailure:
    def __init__(self, test_id: str, reason: str, lineno: int):
        self.test_id, self.reason, self.lineno = test_id, reason, lineno
        self.is_nodeid = "::" in test_id
        # the test function (or file) the entry belongs to, used to decide whether it is in scope
        self.base = test_id.split("::")[0] if self.is_nodeid else test_id.split("[")[0]

    def matches(self, item: pytest.Item) -> bool:
        return item.nodeid == self.test_id if self.is_nodeid else item.name == self.test_id


def parse_known_failures(path: Path) -> tuple[list[KnownFailure], list[str]]:
    """Return (entries, problems) for the known-failures file at `path`."""
    entries: list[KnownFailure] = []
    problems: list[str] = []
    if not path.exists():
        return entries, problems
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        test_id, hash_, reason = line.partition("#")
        test_id, reason = test_id.strip(), reason.strip()
        where = f"{path.name}:{lineno}"
        if not hash_ or not reason:
            problems.append(f"{where}: missing reason, expected 'TEST_ID  # reason': {line!r}")
            continue
        if not test_id or any(c.isspace() for c in test_id):
            problems.append(f"{where}: malformed test ID {test_id!r}")
            continue
        if test_id in seen:
            problems.append(f"{where}: {test_id} is already listed on line {seen[test_id]}")
            continue
        seen[test_id] = lineno
        entries.append(KnownFailure(test_id, reason, lineno))
    return entries, problems


def _whole_suite_collected(config: pytest.Config) -> bool:
    """True when collection covered all of tests/ (no narrowing by paths, node IDs or --lf)."""
    if config.getoption("lf", False):
        return False
    for arg in config.args:
        if "::" in arg:
            continue
        path = (Path(config.invocation_params.dir) / arg).resolve()
        if path == TESTS_DIR or path in TESTS_DIR.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)  # before -k/-m/--deselect drop items: they are still "collected"
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]):
    entries, problems = parse_known_failures(KNOWN_FAILURES)
    whole = _whole_suite_collected(config)
    by_nodeid = any("::" in arg for arg in config.args)  # `pytest file::test[id]` collects only that test
    names = {item.originalname if hasattr(item, "originalname") else item.name for item in items}
    files = {item.nodeid.split("::")[0] for item in items}
    for entry in entries:
        matched = [item for item in items if entry.matches(item)]
        for item in matched:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"known failure: {entry.reason}"))
        in_scope = whole or (not by_nodeid and entry.base in (files if entry.is_nodeid else names))
        if not matched and in_scope:
            problems.append(f"{KNOWN_FAILURES.name}:{entry.lineno}: {entry.test_id} matches no collected test "
                            f"(renamed or removed? update the list)")
    if problems:
        try:
            nodeid = KNOWN_FAILURES.relative_to(config.rootpath).as_posix()
        except ValueError:
            nodeid = str(KNOWN_FAILURES)
        report = CollectReport(
            nodeid=nodeid,
            outcome="failed",
            longrepr="\n".join(problems),
            result=[],
        )
        session.ihook.pytest_collectreport(report=report)
