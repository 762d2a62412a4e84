"""What an opened capsule holds, as pages show it: grouped by kind, searched, paginated.

The service decrypted and verified everything at opening; here items become plain values for
the templates (their attachments listed from the sealed document, their failure in words).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from capsule.core.envelope import AttachmentMeta, parse_document
from capsule.core.lifecycle import Kind
from capsule.persistence.services.opening import OpeningService
from capsule.web.api.contents import INLINE
from capsule.web.errors import message_for

PER_PAGE: Final = 20  # one kind, page by page
PER_KIND: Final = 10  # the overview of every kind
QUERY_MAX: Final = 200


@dataclass(frozen=True)
class ShownItem:
    """One opened item. A failed one has only its index, kind and why it failed."""

    index: int
    kind: str
    verified: bool
    title: str = ""
    body: str = ""
    author: str = ""
    role: str = ""
    organization: str = ""
    language: str = ""
    commitment: str = ""
    attachments: tuple[AttachmentMeta, ...] = ()
    failure_code: str = ""
    failure: str = ""
    failure_text: str = ""

    def is_image(self, position: int) -> bool:
        """Raster images are shown in the page; anything else (PDF, text) is downloaded."""
        return self.attachments[position].media_type in INLINE


def shown(row: Any) -> ShownItem:
    """A page's view of an `OpenedItem` row."""
    if not row.verified:
        return ShownItem(index=row.index, kind=row.kind, verified=False,
                         failure_code=row.failure_code, failure=row.failure,
                         failure_text=message_for(row.failure_code))
    return ShownItem(
        index=row.index, kind=row.kind, verified=True, title=row.title, body=row.body,
        author=row.author, role=row.role, organization=row.organization, language=row.language,
        commitment=hashlib.sha256(row.document).hexdigest(),
        attachments=tuple(parse_document(row.document).attachments),
    )


@dataclass(frozen=True)
class Listing:
    """One page of contents: for each kind shown, its items here and how many match in all."""

    query: str
    kind: str | None
    groups: list[tuple[str, list[ShownItem], int]]
    page: int
    pages: int

    @property
    def totals(self) -> dict[str, int]:
        return {kind: total for kind, _, total in self.groups}

    @property
    def matches(self) -> int:
        return sum(total for _, _, total in self.groups)


def clean_query(query: str | None) -> str:
    return " ".join((query or "").split())[:QUERY_MAX]


def page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


async def listing(opening: OpeningService, slug: str, query: str, kind: str | None,
                  page: int) -> Listing:
    """The contents for the query and the kind filter; without a kind, the first items of each.

    Raises:
        LockedError: the capsule is not opened.
    """
    chosen = kind if kind in tuple(Kind) else None
    groups: list[tuple[str, list[ShownItem], int]] = []
    pages = 1
    for each in Kind:
        if chosen is None:
            rows, total = await opening.contents(slug, kind=each, query=query, limit=PER_KIND)
        elif each == chosen:
            rows, total = await opening.contents(slug, kind=each, query=query,
                                                 offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
            pages = max(1, -(-total // PER_PAGE))
            if page > pages:  # past the end (an old link): the last page instead
                page = pages
                rows, total = await opening.contents(slug, kind=each, query=query,
                                                     offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        else:  # only the count, for the tab
            rows, total = [], (await opening.contents(slug, kind=each, query=query, limit=1))[1]
        groups.append((str(each), [shown(row) for row in rows], total))
    return Listing(query=query, kind=chosen, groups=groups, page=page if chosen else 1, pages=pages)
