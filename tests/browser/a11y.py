"""Accessibility and HTML checks for the browser tests: axe-core in the page, vnu over files.

Shared by tests/browser/test_accessibility.py; the tools are found by tests/browser/conftest.py.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

# WCAG 2.1 level A and AA: the bar the Dutch public sector holds itself to.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass
class PageCheck:
    """What one page showed: axe violations, its landmark count and the server's HTML."""

    name: str
    url: str
    html: str
    violations: list[dict] = field(default_factory=list)
    main_landmarks: int = 0
    html_messages: list[dict] = field(default_factory=list)

    def blocking(self) -> list[dict]:
        return [v for v in self.violations if v.get("impact") in BLOCKING_IMPACTS]

    def html_errors(self) -> list[dict]:
        return [m for m in self.html_messages if m.get("type") == "error"]


def axe_run(page: Page, axe_path: Path) -> list[dict]:
    """Injects axe-core into the page and returns its WCAG 2.1 A/AA violations."""
    # Evaluated through DevTools, not as a <script> tag: the site's CSP refuses inline scripts.
    page.evaluate(axe_path.read_text(encoding="utf-8"))
    result = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})""", WCAG_TAGS
    )
    # An empty run means axe did not look at the page: fail rather than pass silently.
    assert result["passes"], f"axe-core checked nothing on {page.url}"
    return result["violations"]


def vnu_validate(java: str, vnu_jar: Path, files: dict[str, Path]) -> dict[str, list[dict]]:
    """Runs the Nu Html Checker once over all files; returns its messages per name."""
    by_file = {path.name: name for name, path in files.items()}
    completed = subprocess.run(
        [
            java,
            "-jar",
            str(vnu_jar),
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, files.values()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # vnu writes its JSON report to stderr.
    report = json.loads(completed.stderr or completed.stdout)
    messages: dict[str, list[dict]] = {name: [] for name in files}
    for message in report["messages"]:
        file_name = message.get("url", "").rsplit("/", 1)[-1]
        messages.setdefault(by_file.get(file_name, file_name), []).append(message)
    return messages


def describe_violation(violation: dict) -> str:
    targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
    more = len(violation["nodes"]) - len(targets)
    where = "; ".join(targets) + (f" (+{more} more)" if more > 0 else "")
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} — {where}"


def describe_message(message: dict) -> str:
    line = message.get("lastLine", "?")
    extract = " ".join(message.get("extract", "").split())[:120]
    return f"{message['type']} line {line}: {message['message']}  «{extract}»"


def report(checks: list[PageCheck]) -> str:
    """A per-page summary: axe counts by impact, landmark count, HTML errors and warnings."""
    lines = []
    for check in checks:
        impacts: dict[str, int] = {}
        for violation in check.violations:
            impacts[violation["impact"]] = impacts.get(violation["impact"], 0) + 1
        counts = ", ".join(f"{k} {v}" for k, v in sorted(impacts.items())) or "none"
        errors = len(check.html_errors())
        warnings = len(check.html_messages) - errors
        lines.append(
            f"{check.name} ({check.url}): axe {counts}; <main> ×{check.main_landmarks}; "
            f"HTML {errors} errors, {warnings} warnings"
        )
        lines += [f"    {describe_violation(v)}" for v in check.violations]
        lines += [f"    {describe_message(m)}" for m in check.html_messages]
    return "\n".join(lines)
