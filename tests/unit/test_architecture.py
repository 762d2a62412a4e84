"""The layers point inward: capsule.core stays pure (STYLE.md), checked by import-linter."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_core_never_reads_the_wall_clock() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "capsule").rglob("*.py")
        if path.name != "clock.py" and ("datetime.now(" in path.read_text() or "time.time(" in path.read_text())
    ]
    assert offenders == []
