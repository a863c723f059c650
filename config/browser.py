"""Prerequisites of the browser tests (tests/browser): Chromium, axe-core, vnu.jar and Java.

`make test` calls browser_prerequisites() before pytest. It installs what it can (`npm ci`
from the committed lock file; Debian's chromium with apt-get when running as root) and names
what is still missing; the browser tests then fail with the same message. Standard library
only; no network when everything is present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_FILES = {
    "axe-core": ROOT / "node_modules" / "axe-core" / "axe.min.js",
    "vnu-jar": ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar",
}
# Debian's chromium, started as root in a container: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _say(message: str) -> None:
    print(f"[buurtbeurs] {message}", flush=True)


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


def _quietly(command: list[str], env: dict[str, str] | None = None) -> bool:
    completed = subprocess.run(  # noqa: S603 - fixed commands, no user input
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        _say(f"`{' '.join(command)}` failed:\n{(completed.stdout + completed.stderr).strip()}")
    return completed.returncode == 0


def browser_prerequisites() -> list[str]:
    """Makes sure the browser-test tools are present where it can; returns what is missing."""
    if any(not path.exists() for path in NODE_FILES.values()) and shutil.which("npm"):
        _say("installing axe-core and vnu-jar: npm ci (package-lock.json) …")
        # No install scripts: vnu-jar's would download a Java runtime; the system Java is used.
        _quietly(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"])
    if not _chromium() and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        _say("installing Chromium for the browser tests: apt-get install chromium …")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if _quietly(["apt-get", "update", "-qq"], env):
            _quietly(["apt-get", "install", "-y", "-qq", "chromium"], env)

    missing = []
    if not _chromium():
        missing.append("Chromium (Debian: `apt-get install -y chromium` as root, or set CHROMIUM)")
    for name, path in NODE_FILES.items():
        if not path.exists():
            how = "run `npm ci`" if shutil.which("npm") else "install Node.js/npm, then `npm ci`"
            missing.append(f"{name} ({path.relative_to(ROOT)}): {how}")
    if not shutil.which("java"):
        missing.append("Java for vnu.jar (Debian: `apt-get install -y default-jre-headless`)")
    if missing:
        _say("the browser tests will fail; missing:\n  - " + "\n  - ".join(missing))
    return missing
