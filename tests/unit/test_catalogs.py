"""Every user-facing string is in the catalogs, translated into Kazakh and Russian."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "capsule" / "locales"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
DOMAINS = sorted(path.stem for path in (LOCALES / "en" / "LC_MESSAGES").glob("*.po"))


def catalog(language: str, domain: str):  # type: ignore[no-untyped-def]
    with (LOCALES / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_the_template_matches_the_source(tmp_path: Path) -> None:
    """`make catalogs` was run after the last change to a translatable string."""
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(fresh),
         "--no-location", "--omit-header", "--sort-output", "capsule", "templates"],
        cwd=ROOT, check=True,
    )
    with fresh.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    present = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog("en", "messages") if m.id}
    assert wanted - present == set(), "run `make catalogs` and translate the new strings"
    assert present - wanted == set(), "run `make catalogs` to drop strings no longer used"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_is_translated_with_the_same_placeholders(language: str, domain: str) -> None:
    untranslated, mismatched = [], []
    for message in catalog(language, domain):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings):
            untranslated.append(ids[0])
            continue
        if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[0])) for s in strings):
            mismatched.append(ids[0])
    assert untranslated == []
    assert mismatched == []


def test_kazakh_catalog_is_written_in_kazakh() -> None:
    text = " ".join(m.string for m in catalog("kk", "messages") if m.id and isinstance(m.string, str))
    assert set("әғқңөұүі") <= set(text.lower())
