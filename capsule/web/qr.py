"""QR codes as SVG (segno): the seal fingerprint on the projector and custodian cards.

segno writes plain SVG paths with presentation attributes (`stroke`, `fill`), never a `style`
attribute or element, so the codes pass the pages' Content-Security-Policy (`style-src 'self'`)
both inline and as an `image/svg+xml` response.
"""

from __future__ import annotations

import io
from typing import Final

import segno
from markupsafe import Markup

# Level M (15 % recovery) keeps the code small enough to read from the back of a hall and
# survives a smudge on a printed card.
ERROR_LEVEL: Final = "m"


def svg(data: str, *, title: str = "", css_class: str = "qr") -> bytes:
    """A standalone SVG document of `data` (scales to its box: no width or height set)."""
    code = segno.make(data, error=ERROR_LEVEL, micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", border=4, xmldecl=False, svgns=True, omitsize=True,
              svgclass=css_class, lineclass=None, title=title or None, dark="#000", light="#fff")
    return out.getvalue()


def inline_svg(data: str, *, title: str = "", css_class: str = "qr") -> Markup:
    """The same SVG for inlining in a page (e.g. a custodian card, whose words never get a
    URL of their own). Safe to mark up: segno escapes the title and the rest is path data."""
    text = svg(data, title=title, css_class=css_class).decode("utf-8")
    # The <svg> element gets an accessible role; the data itself is never part of the markup.
    return Markup(text.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - generated, see above


def fingerprint_digits(fingerprint: str) -> str:
    """`3F2A 9C1B …` as the 40 bare hex digits (for URLs)."""
    return "".join(fingerprint.split()).upper()
