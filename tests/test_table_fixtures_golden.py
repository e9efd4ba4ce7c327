"""Screenshot-like golden files of the terminal table for the bundled fixtures at 100 and 160
columns. Regenerate them after a deliberate change with:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_table_fixtures_golden.py
"""

from __future__ import annotations

import re

import pytest

from checker.cli import main
from tests.conftest import REPO_ROOT

try:
    from test_report_sample import check_golden
except ImportError:  # tests collected as a package
    from tests.test_report_sample import check_golden


@pytest.mark.parametrize("width", [100, 160])
def test_fixture_table_golden(width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)  # paths in the table are relative to the working directory
    monkeypatch.delenv("NO_COLOR", raising=False)
    code = main(["scan", "fixtures", "--width", str(width), "--no-color"])
    out = capsys.readouterr().out
    assert code == 1  # the fixtures hold non-compliant sites on purpose
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "\x1b[" not in out
    check_golden(f"fixtures-table-{width}.txt", out)


def test_sites_with_the_most_severe_failures_come_first(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    main(["scan", "fixtures", "--width", "160"])
    headings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Site ")]
    verdicts = [line.split(": ")[2].split()[0] for line in headings]
    assert verdicts == sorted(verdicts, key=("FAIL", "UNKNOWN", "PASS").index)
    def criticals(heading: str) -> int:
        found = re.search(r"failing (\d+) critical", heading)
        return int(found.group(1)) if found else 0

    failing = [criticals(line) for line, verdict in zip(headings, verdicts) if verdict == "FAIL"]
    assert failing == sorted(failing, reverse=True) and failing[0] > 0


def test_quiet_and_severity_filter(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    main(["scan", "fixtures", "--quiet", "--severity", "critical", "--width", "160"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("fail ", "unknown "))]
    assert rows and all(line.split()[1] == "critical" for line in rows)
    assert "passed or not applicable" not in out and "Notices:" not in out
    last = out.rstrip().splitlines()[-1]
    assert " input(s), " in last and "Gate FAIL" in last  # the gate line stays
    with pytest.raises(SystemExit) as exited:
        main(["scan", "fixtures", "--severity", "urgent"])
    assert exited.value.code == 2
    assert "critical, high, medium, low" in capsys.readouterr().err
