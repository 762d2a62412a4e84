"""Custodian cards, printed at the ceremony: one per custodian, with the share's words in a
numbered grid, a QR code of the words, and what to do with it in Kazakh, Russian and English
(a card travels: its holder may read any of the three).

Built from the seal's answer only, for the one page that shows them; nothing here is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from markupsafe import Markup

from capsule import i18n
from capsule.i18n import N_, gettext
from capsule.web import qr
from capsule.web.pages.formats import when
from capsule.web.pages.seal_facts import SealFacts

INSTRUCTIONS: Final = (
    N_("Keep this card safe and private, like a key. Any %(k)s of the %(n)s custodians' cards "
       "together open the capsule; fewer cannot."),
    N_("Never photograph or copy it, and never type its words anywhere but the capsule's "
       "opening page."),
    N_("At the opening, from %(date)s: go to %(url)s and type the words in order (the first "
       "four letters of each are enough). Bring the card; it is not needed afterwards."),
)


@dataclass(frozen=True)
class CustodianCard:
    number: int  # from 1
    count: int
    threshold: int
    words: list[str]
    qr: Markup

    def __repr__(self) -> str:  # never the words, should a card ever reach a log
        return f"CustodianCard({self.number} of {self.count})"


def custodian_cards(capsule: Any, seal: SealFacts, shares: tuple[str, ...],
                    base_url: str) -> tuple[list[CustodianCard], list[tuple[str, list[str]]]]:
    """The cards of `shares` (none without a custodians lock) and their instructions, per
    language."""
    lock = next((lock for lock in seal.locks if lock.type == "custodians"), None)
    if lock is None or not shares:
        return [], []
    title = gettext("QR code of the words on this card")
    cards = [CustodianCard(number=i, count=len(shares), threshold=lock.threshold,
                           words=mnemonic.split(),
                           qr=qr.inline_svg(mnemonic, title=title, css_class="qr card-qr-code"))
             for i, mnemonic in enumerate(shares, start=1)]
    url = f"{base_url}/c/{capsule.slug}/open/custodians"
    instructions = []
    for code in i18n.LANGUAGES:
        with i18n.language(code):
            date = f"{when(capsule.opening_at, capsule.timezone)} ({capsule.timezone})"
            lines = [gettext(text, k=lock.threshold, n=lock.shares, date=date, url=url)
                     for text in INSTRUCTIONS]
            instructions.append((code, lines))
    return cards, instructions
