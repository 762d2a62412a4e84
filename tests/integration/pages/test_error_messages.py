"""Every error the core can raise has a sentence for people, in each language; error pages of
organizer routes are as private as the pages themselves."""

from __future__ import annotations

import pytest

from capsule import i18n
from capsule.core import errors
from capsule.web.errors import MESSAGES, message_for
from tests.integration.pages.conftest import Client


def every_error_class(base: type[errors.CapsuleError] = errors.CapsuleError) -> list[type[errors.CapsuleError]]:
    found = [base]
    for sub in base.__subclasses__():
        found += every_error_class(sub)
    return found


def test_every_error_code_has_a_message() -> None:
    codes = {cls.code for cls in every_error_class()}
    assert {"share.word", "share.checksum", "share.foreign", "share.duplicate", "share.too_few", "drand.unavailable",
            "capsule.locked", "seal.pending"} <= codes
    assert codes - set(MESSAGES) == set()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_error_message_is_translated(language: str) -> None:
    params = {"opens_at": "2036-03-05T07:00:00Z", "closed_at": "2026-12-31T13:00:00Z", "word": 5, "given": 1,
              "needed": 2, "count": 3}
    for code, text in MESSAGES.items():
        with i18n.language(language):
            assert message_for(code, params) != text % params, (language, code)


def test_a_share_message_names_the_word_and_the_counts() -> None:
    with i18n.language("en"):
        assert message_for("share.word", {"word": 7}).startswith("Word 7 is not")
        assert message_for("share.too_few", {"given": 1, "needed": 3}) == "Not enough key shares yet: 1 entered, 3 needed."


async def test_error_pages_of_organizer_routes_are_not_stored(organizer: Client) -> None:
    for path in ("/organize/c/nothing-here", "/organize/c/nothing-here/ceremony", "/organize/c/nothing-here/open",
                 "/organize/c/nothing-here/invitations", "/organize/c/nothing-here/contributions"):
        page = await organizer.get(path)
        assert page.status_code == 404, path
        assert page.headers["cache-control"] == "no-store, private", path
    organizer.cookies.clear()
    away = await organizer.get("/organize/c/nothing-here/ceremony", follow_redirects=False)
    assert away.status_code == 303 and away.headers["cache-control"] == "no-store, private"
