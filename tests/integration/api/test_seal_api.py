"""Sealing through the API: the ceremony's answer (shares once, never stored or logged), the
pending list, one winner of parallel seals, progress, and what everyone can fetch afterwards."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import zipfile
from pathlib import Path

import pytest

from capsule.core import archive, certificate, manifest, merkle
from capsule.core.service_keys import ServiceKeys
from capsule.web.api.pipe import DEPTH, PIECE, piped
from tests.integration.api.conftest import Api


async def test_the_seal_answers_the_fingerprint_and_everyone_can_check_the_certificate(
        api: Api, service_keys: ServiceKeys) -> None:
    receipts, sealed = await api.sealed()
    assert sealed["items"] == 3 and sealed["excluded"] == 0 and "custodian_shares" not in sealed
    assert sealed["certificate_url"] == "http://capsule.test/api/v1/capsules/almaty-2026/certificate"
    cert_bytes = (await api.client.get("/api/v1/capsules/almaty-2026/certificate")).content
    sig = await api.client.get("/api/v1/capsules/almaty-2026/certificate.sig")
    assert sig.text.endswith("\n") and sig.headers["content-type"].startswith("text/plain")
    cert = certificate.verify_certificate(cert_bytes, certificate.parse_signature_text(sig.content),
                                          service_keys.signing.public_raw)
    assert certificate.fingerprint(cert_bytes) == sealed["fingerprint"]
    manifest_bytes = (await api.client.get("/api/v1/capsules/almaty-2026/manifest")).content
    certificate.check_against_manifest(cert, manifest.parse_manifest(manifest_bytes), manifest_bytes)

    shown = (await api.client.get("/api/v1/capsules/almaty-2026")).json()
    assert shown["state"] == "sealed" and shown["fingerprint"] == sealed["fingerprint"]
    assert shown["content_root"] == cert.content_root and shown["items"] == 3
    assert shown["kinds"] == {"goal": 1, "priority": 1, "appeal": 1}
    assert shown["sealed_at"] == "2026-03-05T05:00:00Z" and shown["locks"] == [{"type": "server", "trust": "operator"}]
    listed = (await api.client.get("/api/v1/capsules")).json()["capsules"]
    assert listed[0]["fingerprint"] == sealed["fingerprint"]

    by_commitment = {receipt["commitment"]: receipt for receipt in receipts}
    for index in range(3):
        proof = (await api.client.get(f"/api/v1/capsules/almaty-2026/items/{index}/proof")).json()
        receipt = by_commitment.pop(proof["leaf"])  # same second: the sealed order is then by id
        assert proof["root"] == cert.content_root and proof["tree_size"] == 3
        merkle.verify_inclusion(bytes.fromhex(proof["leaf"]), index, cert.items,
                                [bytes.fromhex(h) for h in proof["path"]], bytes.fromhex(cert.content_root))
        shown_receipt = (await api.client.get(f"/api/v1/receipts/{receipt['id']}",
                                              params={"token": receipt["receipt_token"]})).json()
        assert shown_receipt["inclusion_proof"]["path"] == proof["path"]
    assert (await api.client.get("/api/v1/capsules/almaty-2026/items/3/proof")).status_code == 404


async def test_the_sealed_archive_streams_and_verifies_offline(api: Api, service_keys: ServiceKeys,
                                                               tmp_path: Path) -> None:
    _, sealed = await api.sealed()
    response = await api.client.get("/api/v1/capsules/almaty-2026/archive")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="capsule-almaty-2026-sealed.zip"')
    path = tmp_path / "sealed.zip"
    path.write_bytes(response.content)
    summary = archive.verify_archive(path, pinned_key=service_keys.signing.public_raw)
    assert summary.fingerprint == sealed["fingerprint"] and summary.items == 3
    opened = await api.client.get("/api/v1/capsules/almaty-2026/archive", params={"opened": 1})
    assert opened.status_code == 423 and opened.json()["params"]["opens_at"] == "2036-03-05T07:00:00Z"


async def test_the_pipe_streams_in_pieces_with_bounded_memory_and_stops_when_the_reader_does() -> None:
    written: list[int] = []

    async def write(out) -> None:  # type: ignore[no-untyped-def]
        def work() -> None:
            for n in range(200):
                out.write(bytes([n % 256]) * 64 * 1024)
                written.append(n)
        await asyncio.to_thread(work)

    pieces = [piece async for piece in piped(write)]
    assert len(pieces) == 50 and b"".join(pieces) == b"".join(bytes([n % 256]) * 64 * 1024 for n in range(200))

    written.clear()
    stream = piped(write)
    assert len(await anext(stream)) == PIECE
    await asyncio.sleep(0.3)
    assert len(written) <= (DEPTH + 2) * PIECE // (64 * 1024)  # the writer waits for the reader
    await stream.aclose()  # the client went away: the writer stops instead of hanging
    stopped = len(written)
    await asyncio.sleep(0.3)
    assert len(written) == stopped < 200


async def test_pending_contributions_are_listed_in_the_409_unless_excluded(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite(organization="Күміс еріктілер", max_contributions=3)
    accepted = (await api.submit(invitation["token"])).json()
    pending = (await api.submit(invitation["token"])).json()
    await api.decide(accepted["id"])
    refused = await api.seal()
    assert refused.status_code == 409 and refused.json()["code"] == "seal.pending"
    assert refused.json()["params"]["pending"] == [{"id": pending["id"], "organization": "Күміс еріктілер"}]
    assert (await api.client.get("/api/v1/capsules/almaty-2026")).json()["state"] == "collecting"
    assert (await api.client.get("/api/v1/capsules/almaty-2026/certificate")).status_code == 404
    progress = (await api.client.get("/api/v1/capsules/almaty-2026/seal/progress", headers=api.auth)).json()
    assert (progress["state"], progress["error"]) == ("failed", "seal.pending")
    sealed = await api.seal(exclude_pending=True)
    assert sealed.status_code == 200 and (sealed.json()["items"], sealed.json()["excluded"]) == (1, 1)
    receipt = await api.client.get(f"/api/v1/receipts/{pending['id']}", params={"token": pending["receipt_token"]})
    assert receipt.json()["status"] == "excluded" and receipt.json()["inclusion_proof"] is None
    again = await api.seal()
    assert again.status_code == 409 and again.json()["code"] == "capsule.bad_state"


async def test_parallel_seals_have_one_winner_and_the_others_get_409(api: Api) -> None:
    await api.collecting(moderation=False)
    invitation = await api.invite()
    await api.submit(invitation["token"])
    answers = await asyncio.gather(*[api.seal() for _ in range(4)])
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert len({a.json().get("fingerprint") for a in answers if a.status_code == 200}) == 1


async def test_custodian_shares_come_once_are_not_stored_cached_or_logged(
        api: Api, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    await api.collecting(moderation=False, locks=[{"type": "custodians", "threshold": 2, "shares": 3}])
    invitation = await api.invite()
    await api.submit(invitation["token"])
    sealed = await api.seal()
    assert sealed.status_code == 200, sealed.text
    assert "no-store" in sealed.headers["cache-control"]
    shares = sealed.json()["custodian_shares"]
    assert len(shares) == 3 and all(len(share.split()) == 33 for share in shares)
    later = [await api.client.get("/api/v1/capsules/almaty-2026", headers=api.auth),
             await api.client.get("/api/v1/capsules/almaty-2026/seal/progress", headers=api.auth),
             await api.client.get("/api/v1/capsules/almaty-2026/log"),
             await api.client.get("/api/v1/capsules/almaty-2026/archive"),
             await api.seal()]
    with zipfile.ZipFile(io.BytesIO(later[3].content)) as bag:
        everything = b"".join(r.content for r in later) + b"".join(bag.read(n) for n in bag.namelist())
    printed = caplog.text + "".join(capsys.readouterr())
    for share in shares:
        words = share.split()
        for needle in (share, " ".join(words[:4]), " ".join(words[-6:])):
            assert needle.encode() not in everything and needle not in printed
    shown = later[0].json()["locks"][0]
    assert shown["type"] == "custodians" and (shown["threshold"], shown["shares"]) == (2, 3)


async def test_progress_is_idle_then_done_and_readable_through_the_store(api: Api) -> None:
    await api.collecting(moderation=False)
    idle = await api.client.get("/api/v1/capsules/almaty-2026/seal/progress", headers=api.auth)
    assert idle.json()["state"] == "idle"
    assert (await api.client.get("/api/v1/capsules/almaty-2026/seal/progress")).status_code == 401
    await api.seal()
    done = (await api.client.get("/api/v1/capsules/almaty-2026/seal/progress", headers=api.auth)).json()
    assert done["state"] == "done" and done["updated_at"] == "2026-03-05T05:00:00Z"


async def test_sealed_documents_carry_strong_etags_and_answer_304(api: Api) -> None:
    await api.sealed()
    first = await api.client.get("/api/v1/capsules/almaty-2026/certificate")
    assert first.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
    assert "immutable" in first.headers["cache-control"]
    again = await api.client.get("/api/v1/capsules/almaty-2026/certificate",
                                 headers={"If-None-Match": f'W/"x", {first.headers["etag"]}'})
    assert again.status_code == 304 and again.content == b""
    proof = await api.client.get("/api/v1/capsules/almaty-2026/items/0/proof")
    assert (await api.client.get("/api/v1/capsules/almaty-2026/items/0/proof",
                                 headers={"If-None-Match": proof.headers["etag"]})).status_code == 304
    assert base64.b64decode((await api.client.get("/api/v1/capsules/almaty-2026/certificate.sig")).text)
