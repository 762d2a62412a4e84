"""`capsule export` writes an archive that `capsule verify` accepts, and a changed byte fails."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

from capsule.core.clock import ManualClock
from capsule.core.service_keys import load_service_keys
from capsule.persistence.database import Database
from capsule.persistence.services.sealing import SealService
from tests.cli.conftest import CapsuleCli
from tests.factories.collecting import FakeUpload, fields, make_world, png


def seal_one(cli: CapsuleCli) -> str:
    async def work() -> str:
        db = Database(cli.env["CAPSULE_DATABASE_URL"])
        try:
            keys = load_service_keys(cli.home / "keys")
            world = make_world(db, ManualClock(), keys)
            slug = await world.collecting(moderation=False)
            await world.contributions.submit(slug, await world.invite(slug), fields(), [FakeUpload("сурет.png", png())])
            await SealService(db, world.clock, keys).seal(slug)
            return slug
        finally:
            await db.dispose()

    return asyncio.run(work())


def test_export_then_verify_then_a_flipped_byte_is_named(capsule_cli: CapsuleCli, tmp_path: Path) -> None:
    assert capsule_cli("keys", "init").exit_code == 0
    assert capsule_cli("db", "upgrade").exit_code == 0
    slug = seal_one(capsule_cli)
    archive = tmp_path / "almaty.zip"
    exported = capsule_cli("export", slug, str(archive))
    assert exported.exit_code == 0, exported.output
    verified = capsule_cli("verify", str(archive))
    assert verified.exit_code == 0, verified.output
    assert "Уақыт капсуласы – 2026" in verified.stdout
    with zipfile.ZipFile(archive) as zf:
        entries = {info.filename: zf.read(info.filename) for info in zf.infolist()}
    blob = next(name for name in entries if name.endswith("attachment-00.bin"))
    changed = bytearray(entries[blob])
    changed[len(changed) // 2] ^= 0x80
    entries[blob] = bytes(changed)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    refused = capsule_cli("verify", str(tampered))
    assert refused.exit_code == 1
    assert "capsule: error:" in refused.stderr and "items/000000/attachment-00.bin" in refused.stderr


def test_export_of_an_unsealed_capsule_says_so_and_leaves_no_file(capsule_cli: CapsuleCli, tmp_path: Path) -> None:
    capsule_cli("keys", "init")
    capsule_cli("db", "upgrade")
    result = capsule_cli("export", "no-such-capsule", str(tmp_path / "x.zip"))
    assert result.exit_code == 1
    assert "no capsule 'no-such-capsule'" in result.stderr
    assert list(tmp_path.glob("*.zip")) == [] and list(tmp_path.glob(".*partial")) == []
