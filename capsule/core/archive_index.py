"""index.html of an opened archive: a static page that works from a USB stick in 2036.

Everything a contributor or organizer wrote is escaped with `html.escape` (user text is never
trusted); the page loads nothing, runs no script (its Content-Security-Policy forbids any),
and switches between Kazakh, Russian and English with CSS alone (radio buttons and `:checked`),
each user text keeping its own `lang`. It is not signed (FORMAT §9).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Final
from urllib.parse import quote

import msgspec

from capsule.core.archive_pages import LANGUAGES, ArchiveTexts, fill, when_text
from capsule.core.certificate import Certificate
from capsule.core.envelope import Document
from capsule.core.lifecycle import Kind
from capsule.core.opening import Report

class IndexEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One verified item as the page shows it; `files` are its attachments' paths under data/."""

    index: int
    document: Document
    files: tuple[str, ...]


_CSS: Final = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;
margin:0;color:#1d2433;background:#f6f7f9}
main{max-width:56rem;margin:0 auto;padding:1.5rem}
header,article,section.failed{background:#fff;border:1px solid #d9dde5;border-radius:.5rem;
padding:1rem 1.25rem;margin:0 0 1rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{margin:1.5rem 0 .5rem}h3{margin:0 0 .3rem}
.fp{font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.05em}
.meta{color:#4a5568;font-size:.9rem;margin:0 0 .6rem}
.body{white-space:pre-wrap;overflow-wrap:anywhere}
.ok{color:#16794c;font-weight:600}.note{color:#4a5568;font-size:.85rem}
nav{margin:0 0 1rem}nav label{margin-right:1rem;cursor:pointer}
#l-kk:checked~main .t:not([lang=kk]),#l-ru:checked~main .t:not([lang=ru]),
#l-en:checked~main .t:not([lang=en]){display:none}
#l-kk:checked~main .t[lang=kk],#l-ru:checked~main .t[lang=ru],
#l-en:checked~main .t[lang=en]{display:inline}
#l-kk:checked~main label[for=l-kk],#l-ru:checked~main label[for=l-ru],
#l-en:checked~main label[for=l-en]{font-weight:700;text-decoration:underline}
"""

_KIND_FIELD: Final = {Kind.GOAL: "kind_goal", Kind.PRIORITY: "kind_priority",
                      Kind.APPEAL: "kind_appeal"}


def _t(texts: ArchiveTexts, name: str, values: dict[str, object] | None = None) -> str:
    """One string in each language, the page's CSS showing the chosen one."""
    return "".join(
        f'<span class="t" lang="{lang}">'
        f"{html.escape(fill(getattr(texts.get(lang), name), name, values))}</span>"
        for lang in LANGUAGES)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_index(cert: Certificate, fingerprint: str, entries: Sequence[IndexEntry],
                 report: Report, opened_at: datetime, texts: ArchiveTexts) -> bytes:
    """index.html of an opened archive: a static, self-contained page listing the verified
    items by kind, with links to their attachments, the fingerprint and the report."""
    radios = "".join(
        f'<input type="radio" name="lang" id="l-{lang}" hidden{" checked" if lang == "kk" else ""}>'
        for lang in LANGUAGES)
    nav = "".join(f'<label for="l-{lang}" lang="{lang}">{_e(texts.get(lang).language_name)}'
                  "</label>" for lang in LANGUAGES)
    out = ['<!DOCTYPE html>\n<html lang="kk">\n<head>\n<meta charset="utf-8">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'\">\n"
           f"<title>{_e(cert.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n",
           radios, "\n<main>\n", f"<nav>{_t(texts, 'index_language')}: {nav}</nav>\n",
           f"<header>\n<h1>{_e(cert.title)}</h1>\n",
           f'<p>{_t(texts, "index_fingerprint")}: <span class="fp">{_e(fingerprint)}</span></p>\n',
           f"<p>{_t(texts, 'index_opened_at', {'opened_at': when_text(opened_at)})}</p>\n",
           f'<p class="ok">✓ {_t(texts, "index_summary", {"verified": report.verified, "total": report.total})}</p>\n',
           f'<p class="note">{_t(texts, "index_note")}</p>\n</header>\n']
    for kind in Kind:
        group = [e for e in entries if e.document.kind == kind.value]
        if not group:
            continue
        out.append(f'<section>\n<h2>{_t(texts, _KIND_FIELD[kind])} ({len(group)})</h2>\n')
        for entry in group:
            out.append(_article(entry, texts))
        out.append("</section>\n")
    if report.failed:
        out.append(f'<section class="failed">\n<h2>{_t(texts, "failed_heading")}</h2>\n<ul>\n')
        for f in report.failed:
            out.append(f"<li>{_t(texts, 'failed_item', {'index': f.index, 'reason': f.code})}"
                       f' <span class="note">{_e(f.message)}</span></li>\n')
        out.append("</ul>\n</section>\n")
    out.append("</main>\n</body>\n</html>\n")
    return "".join(out).encode("utf-8")


def _article(entry: IndexEntry, texts: ArchiveTexts) -> str:
    doc = entry.document
    lang = doc.language if doc.language in LANGUAGES else "und"
    meta = [f"{_t(texts, 'author')}: {_e(doc.author)}"]
    if doc.role:
        meta.append(f"{_t(texts, 'role')}: {_e(doc.role)}")
    meta.append(f"{_t(texts, 'organization')}: {_e(doc.organization)}")
    meta.append(f"{_t(texts, 'language')}: {_t(texts, 'lang_' + lang) if lang != 'und' else ''}")
    parts = [f'<article id="item-{entry.index}" lang="{lang}">\n',
             f'<h3>{_e(doc.title)} <span class="ok" title="sha256 = commitment">✓ '
             f"{_t(texts, 'verified')}</span></h3>\n",
             f'<p class="meta">#{entry.index} · {" · ".join(meta)}</p>\n',
             f'<div class="body">{_e(doc.body)}</div>\n']
    if entry.files:
        parts.append(f"<p>{_t(texts, 'attachments')}:</p>\n<ul>\n")
        for meta_a, path in zip(doc.attachments, entry.files, strict=True):
            parts.append(f'<li><a href="{_e(quote(path))}">{_e(meta_a.name)}</a> '
                         f'<span class="note">{_e(meta_a.media_type)}, {meta_a.size} B</span></li>\n')
        parts.append("</ul>\n")
    parts.append("</article>\n")
    return "".join(parts)
