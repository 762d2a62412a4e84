"""The capsule settings form: what the organizer typed, to a CapsuleSpec and back.

Dates are typed in the capsule's own time zone (`<input type="datetime-local">` has none) and
stored in UTC; the form shows them back in that zone.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from capsule.core.errors import ConflictError, ValidationError
from capsule.i18n import N_, gettext
from capsule.persistence.services.capsules import DESCRIPTION_MAX, TITLE_MAX, CapsuleSpec

LANGS: Final = ("kk", "ru", "en")
MAX_SHARES: Final = 16
# The order locks are offered and stored in (FORMAT §7 keeps the order given).
LOCK_TYPES: Final = ("server", "custodians", "drand")
LOCAL_FORMAT: Final = "%Y-%m-%dT%H:%M"
# Offered in a list; any IANA name may be typed.
ZONES: Final = ("Asia/Almaty", "Asia/Qostanay", "Asia/Aqtobe", "Asia/Aqtau", "Asia/Atyrau",
                "Asia/Oral", "Asia/Qyzylorda", "Asia/Tashkent", "Asia/Bishkek", "Europe/Moscow",
                "Europe/Istanbul", "UTC")

ERRORS: Final = {
    "title": N_("Please give the capsule a title of at most %(max)s characters."),
    "description": N_("The description may have at most %(max)s characters."),
    "slug": N_("Use 3 to 64 small Latin letters, digits and hyphens, "
               "starting and ending with a letter or digit."),
    "slug_taken": N_("Another capsule already has this address. Please choose another one."),
    "timezone": N_("This time zone is not known. Use a name such as Asia/Almaty."),
    "opening_at": N_("Enter a date and time in the future."),
    "opening_at_format": N_("Enter a date and time, for example 2036-03-05 12:00."),
    "submissions_close_at": N_("The deadline must be in the future "
                               "and not after the opening date."),
    "locks": N_("Custodians: at least 2 must be needed to open, and at most 16 in all; "
                "those needed cannot be more than those in all."),
    "locks_none": N_("Choose at least one lock."),
    "lock_policy": N_("“All locks together” needs at least two locks. Choose another lock, "
                      "or “any one lock”."),
    "translations": N_("A translation is too long: at most %(max)s characters for a title "
                       "and %(dmax)s for a description."),
}


@dataclass
class CapsuleForm:
    """The form's values as text (shown back as typed) and its errors, per field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls, timezone: str) -> CapsuleForm:
        return cls({"timezone": timezone, "moderation": "on", "lock": "server",
                    "lock_policy": "any", "threshold": "3", "shares": "5", "auto_open": ""})

    @classmethod
    def of(cls, capsule: Any) -> CapsuleForm:
        """The form of an existing capsule, dates in its time zone."""
        zone = zoneinfo.ZoneInfo(capsule.timezone)
        closes = capsule.submissions_close_at
        values = {
            "title": capsule.title, "description": capsule.description, "slug": capsule.slug,
            "timezone": capsule.timezone, "moderation": "on" if capsule.moderation else "",
            "opening_at": capsule.opening_at.astimezone(zone).strftime(LOCAL_FORMAT),
            "submissions_close_at": (closes.astimezone(zone).strftime(LOCAL_FORMAT)
                                     if closes else ""),
            "threshold": "3", "shares": "5", "lock_policy": capsule.lock_policy,
            "auto_open": "on" if capsule.auto_open else "",
            "lock": " ".join(lock["type"] for lock in capsule.locks or []),
        }
        for lock in capsule.locks or []:
            if lock["type"] == "custodians":
                values.update(threshold=str(lock["threshold"]), shares=str(lock["shares"]))
        for lang in LANGS:
            for name in ("title", "description"):
                values[f"{lang}_{name}"] = (capsule.translations or {}).get(lang, {}).get(name, "")
        return cls(values)

    def error(self, name: str, key: str | None = None) -> None:
        self.errors.setdefault(name, key or name)

    def spec(self) -> CapsuleSpec | None:
        """The CapsuleSpec, or None with `errors` filled in for what cannot even be parsed."""
        v = self.values
        tz = v.get("timezone", "").strip()
        try:
            zone = zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.error("timezone")
            zone = None
        opening = self._local(v.get("opening_at", ""), zone, "opening_at", required=True)
        closing = self._local(v.get("submissions_close_at", ""), zone, "submissions_close_at")
        chosen = set(v.get("lock", "").split())
        policy = v.get("lock_policy", "any") if v.get("lock_policy") in ("any", "all") else "any"
        locks: list[dict[str, Any]] = []
        for kind in LOCK_TYPES:
            if kind not in chosen:
                continue
            if kind == "custodians":
                try:
                    k, n = int(v.get("threshold", "")), int(v.get("shares", ""))
                except ValueError:
                    k = n = 0
                if not 2 <= k <= n <= MAX_SHARES:
                    self.error("locks")
                locks.append({"type": "custodians", "threshold": k, "shares": n})
            else:
                locks.append({"type": kind})
        if not locks:
            self.error("locks", "locks_none")
        elif policy == "all" and len(locks) < 2:
            self.error("lock_policy")
        # Opening by itself needs a lock the service holds and that is enough on its own.
        auto_open = v.get("auto_open") == "on" and policy == "any" and "server" in chosen
        translations = {lang: {name: v.get(f"{lang}_{name}", "")
                               for name in ("title", "description")}
                        for lang in LANGS}
        if self.errors or opening is None:
            return None
        return CapsuleSpec(
            title=v.get("title", ""), description=v.get("description", ""),
            slug=v.get("slug", "").strip() or None, timezone=tz, opening_at=opening,
            submissions_close_at=closing, moderation=v.get("moderation") == "on",
            auto_open=auto_open, lock_policy=policy, locks=tuple(locks), translations=translations,
        )

    def _local(self, text: str, zone: zoneinfo.ZoneInfo | None, name: str, *,
               required: bool = False) -> datetime | None:
        text = text.strip().replace(" ", "T")
        if not text:
            if required:
                self.error(name, "opening_at_format")
            return None
        try:
            naive = datetime.strptime(text[:16], LOCAL_FORMAT)
        except ValueError:
            self.error(name, "opening_at_format")
            return None
        return naive.replace(tzinfo=zone) if zone is not None else None

    def refused(self, exc: ValidationError | ConflictError) -> None:
        """File a service's refusal under its field."""
        name = exc.field if isinstance(exc, ValidationError) else exc.params.get("field")
        if isinstance(exc, ConflictError) and name == "slug":
            self.error("slug", "slug_taken")
        elif name == "lock_policy":
            self.error("lock_policy")
        elif name == "locks":
            self.error("locks")
        elif name in ERRORS:
            self.error(name)
        else:
            self.error("title")

    def messages(self) -> dict[str, str]:
        """Per field, the translated message (the summary and the field show the same words)."""
        return {name: gettext(ERRORS[key], dmax=DESCRIPTION_MAX,
                              max=DESCRIPTION_MAX if name == "description" else TITLE_MAX)
                for name, key in self.errors.items()}
