"""`capsule demo`: the Almaty capsule seeded through the real services, printed for a newcomer."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from capsule.core.clock import ManualClock, SystemClock
from capsule.core.errors import LockedError
from capsule.core.service_keys import load_service_keys
from capsule.persistence.database import Database
from capsule.persistence.services import demo
from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.users import UserService
from tests.cli.conftest import CapsuleCli

BASE = "http://127.0.0.1:8000"


def _ready(capsule_cli: CapsuleCli) -> None:
    for command in (("keys", "init"), ("db", "upgrade")):
        result = capsule_cli(*command)
        assert result.exit_code == 0, result.output


async def _inspect(capsule_cli: CapsuleCli) -> tuple[int, list[str], list[str], str, str]:
    db = Database(capsule_cli.env["CAPSULE_DATABASE_URL"])
    try:
        keys = load_service_keys(capsule_cli.home / "keys")
        clock = ManualClock(datetime(2026, 3, 5, 5, 0, tzinfo=UTC))
        capsule = await CapsuleService(db, clock, keys).get(demo.SLUG)
        moderation = ModerationService(db, clock, keys, max_upload_bytes=1024 * 1024)
        read = await moderation.read(demo.SLUG)
        statuses = [str(item.status) for item in await moderation.queue(demo.SLUG)]
        count = await CapsuleService(db, clock, keys).count()
        return count, [r.document.title for r in read], statuses, capsule.state, capsule.opening_at.isoformat()
    finally:
        await db.dispose()


def test_demo_prints_the_login_token_and_every_link_and_its_texts_decrypt(capsule_cli: CapsuleCli) -> None:
    _ready(capsule_cli)
    result = capsule_cli("demo")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "organizer: organizer@demo.capsule.kz" in out
    password = re.search(r"password:\s+(\S+)", out)
    token = re.search(r"API token: (cap_[A-Za-z0-9_-]{43})", out)
    assert password and token
    assert f"{BASE}/c/{demo.SLUG}" in out and "Уақыт капсуласы – 2026" in out
    links = re.findall(rf"{BASE}/c/{demo.SLUG}/contribute\?invite=inv_[A-Za-z0-9_-]{{43}}", out)
    assert len(links) == 6
    for organization in (demo.FRONT_OFFICE, demo.YOUTH, demo.SILVER, demo.RESCUE, demo.SPORT, demo.DIGITAL):
        assert organization in out

    count, titles, statuses, state, opening = asyncio.run(_inspect(capsule_cli))
    assert count == 3 and state == "collecting"
    assert opening == "2036-03-05T07:00:00+00:00"  # 12:00 in Almaty
    assert sorted(titles) == sorted(item.fields.title for item in demo.ITEMS)
    assert "2036 жылдың еріктілеріне үндеу" in titles and "Серебряные волонтёры — наставники молодёжи" in titles
    assert sorted(statuses) == sorted("accepted" if item.accept else "pending" for item in demo.ITEMS)
    assert {"goal", "priority", "appeal"} == {item.fields.kind for item in demo.ITEMS}
    assert {"kk", "ru", "en"} == {item.fields.language for item in demo.ITEMS}

    async def check_login() -> None:
        db = Database(capsule_cli.env["CAPSULE_DATABASE_URL"])
        try:
            users = UserService(db, ManualClock(datetime(2026, 3, 5, tzinfo=UTC)))
            assert (await users.by_token(token.group(1))).email == "organizer@demo.capsule.kz"
            assert (await users.authenticate("organizer@demo.capsule.kz", password.group(1))).email
        finally:
            await db.dispose()

    asyncio.run(check_login())


async def _states(capsule_cli: CapsuleCli) -> dict[str, object]:
    db = Database(capsule_cli.env["CAPSULE_DATABASE_URL"])
    try:
        keys = load_service_keys(capsule_cli.home / "keys")
        now = ManualClock(SystemClock().now())  # the demo ran just now, on the system clock
        capsules = CapsuleService(db, now, keys)
        sealed, opened = await capsules.get(demo.SEALED_SLUG), await capsules.get(demo.OPENED_SLUG)
        opener = OpeningService(db, now, keys)
        with pytest.raises(LockedError):
            await opener.contents(demo.SEALED_SLUG)
        items, total = await opener.contents(demo.OPENED_SLUG)
        return {"sealed": (sealed.state, sealed.opening_at - now.now()), "opened": (opened.state, opened.opened_at),
                "items": (total, [item.title for item in items], all(item.verified for item in items))}
    finally:
        await db.dispose()


def test_demo_also_seeds_a_sealed_countdown_and_an_opened_capsule(capsule_cli: CapsuleCli) -> None:
    _ready(capsule_cli)
    result = capsule_cli("demo")
    assert result.exit_code == 0, result.output
    for slug in (demo.SEALED_SLUG, demo.OPENED_SLUG):
        assert f"{BASE}/c/{slug}" in result.output
    assert re.search(r"fingerprint:  ([0-9A-F]{4} ){9}[0-9A-F]{4}", result.output)
    assert f"opened 2026-03-05, {len(demo.OPENED_ITEMS)} of {len(demo.OPENED_ITEMS)} verified" in result.output
    states = asyncio.run(_states(capsule_cli))
    state, countdown = states["sealed"]  # type: ignore[misc]
    assert state == "sealed" and timedelta(days=20) < countdown < timedelta(days=22)
    assert states["opened"] == ("opened", datetime(2026, 3, 5, 7, 0, tzinfo=UTC))  # noon in Almaty
    total, titles, verified = states["items"]  # type: ignore[misc]
    assert total == len(demo.OPENED_ITEMS) and verified
    assert titles == [item.fields.title for item in demo.OPENED_ITEMS]
    again = capsule_cli("demo")
    assert again.exit_code == 0 and "exists already; not seeded again" in again.output
    assert asyncio.run(_inspect(capsule_cli))[0] == 3


def test_if_empty_seeds_only_the_first_time(capsule_cli: CapsuleCli) -> None:
    _ready(capsule_cli)
    first = capsule_cli("demo", "--if-empty")
    second = capsule_cli("demo", "--if-empty")
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "invite=inv_" in first.output
    assert "nothing seeded" in second.output and "inv_" not in second.output
    count, titles, *_ = asyncio.run(_inspect(capsule_cli))
    assert count == 3 and len(titles) == len(demo.ITEMS)


def test_demo_without_keys_says_what_to_do(capsule_cli: CapsuleCli) -> None:
    assert capsule_cli("db", "upgrade").exit_code == 0
    result = capsule_cli("demo")
    assert result.exit_code == 1
    assert "capsule: error:" in result.output and "capsule keys init" in result.output
