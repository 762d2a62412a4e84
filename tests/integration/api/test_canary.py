"""Plaintext never reaches the disk or the logs (DESIGN §4.3), checked end to end through HTTP.

A unique canary goes into every text field and into two attachments (a text file and a PNG's
text chunk), by JSON and by streamed multipart, then through an edit, a moderation read and
an attachment download. Afterwards it must appear nowhere: not in the database (SQLite file,
-wal and -shm; every PostgreSQL table), not in the keys, not in any file that appeared or
changed in the temporary directory, not in the logs or on stdout/stderr.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from capsule.persistence.database import Database
from capsule.persistence.models import metadata
from tests.factories.collecting import png
from tests.integration.api.conftest import Api, kk_fields


def _files_under(root: Path) -> dict[Path, tuple[float, int]]:
    found: dict[Path, tuple[float, int]] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            try:
                stat = path.stat()
            except OSError:
                continue  # gone meanwhile (another test's scratch file)
            found[path] = (stat.st_mtime, stat.st_size)
    return found


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes() if path.is_file() else b""
    except OSError:
        return b""


async def _stored(db: Database, db_url: str) -> bytes:
    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1])
        return b"".join(_read(p) for p in path.parent.glob(path.name + "*"))  # the file, -wal, -shm
    async with db.read() as session:
        rows = [(await session.execute(select(table))).all() for table in metadata.sorted_tables]
    return repr(rows).encode()


async def test_the_canary_is_nowhere_on_disk_or_in_the_logs(
    api: Api, db: Database, db_url: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = f"CANARY-{uuid.uuid4().hex}"  # made here, so no source file holds it
    needles = [canary.encode(), canary.encode("utf-16-le"), canary[7:].encode()]
    tmp = Path(tempfile.gettempdir())
    before = _files_under(tmp)
    started = time.time()

    await api.collecting()
    invitation = await api.invite()
    text = {name: f"{value} {canary}" for name, value in kk_fields().items() if name not in ("kind", "language")}
    as_json = await api.submit(invitation["token"], json=kk_fields(**text),
                               headers={"Idempotency-Key": uuid.uuid4().hex})
    as_form = await api.submit(invitation["token"], data=kk_fields(**text), files=[
        ("attachments", ("жазба.txt", f"Құпия мәтін: {canary}\n".encode() * 2000, "text/plain")),
        ("attachments", ("сурет.png", png(32, 32, marker=canary.encode()), "image/png")),
    ])
    assert as_json.status_code == as_form.status_code == 201, as_form.text
    receipt = as_form.json()
    edited = await api.client.put(f"/api/v1/receipts/{receipt['id']}", params={"token": receipt["receipt_token"]},
                                  data={**kk_fields(body=f"Түзетілген {canary}"), "keep_attachments": "0"},
                                  files=[("attachments", ("тағы.txt", canary.encode() * 100, "text/plain"))])
    assert edited.status_code == 200, edited.text
    read = await api.contributions(content=1)
    assert sum(canary in item["content"]["body"] for item in read) == 2  # it does decrypt
    for index in range(2):
        download = await api.client.get(
            f"/api/v1/capsules/almaty-2026/contributions/{receipt['id']}/attachments/{index}", headers=api.auth)
        assert canary.encode() in download.content
    document = await api.client.get(f"/api/v1/receipts/{receipt['id']}/document",
                                    params={"token": receipt["receipt_token"]})
    assert canary in document.text

    places: dict[str, bytes] = {"database": await _stored(db, db_url)}
    for keys_dir in tmp_path_factory.getbasetemp().glob("service*/keys"):
        places[str(keys_dir)] = b"".join(_read(p) for p in keys_dir.iterdir())
    for path, (mtime, size) in _files_under(tmp).items():
        if before.get(path) != (mtime, size) and mtime >= started - 1 and size < 200 * 1024 * 1024:
            places[str(path)] = _read(path)
    captured = capsys.readouterr()
    places["logs"] = (caplog.text + captured.out + captured.err).encode()
    assert len(places["database"]) > 10_000  # the scan saw the real thing
    for place, data in places.items():
        for needle in needles:
            assert needle not in data, f"the canary leaked into {place}"
