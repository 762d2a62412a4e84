"""Settings: read once from `CAPSULE_*` environment variables into one frozen, typed object.

The README's configuration table documents every field here; a test keeps the two in step.
An unknown or malformed variable stops start-up with a message naming it.
"""

from __future__ import annotations

import base64
import binascii
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

import msgspec

from capsule.core.errors import ConfigError

DEFAULT_DRAND_URLS = (
    "https://api.drand.sh",
    "https://api2.drand.sh",
    "https://api3.drand.sh",
    "https://drand.cloudflare.com",
)


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    # Database: SQLite file by default (embedded), PostgreSQL for production and scale-out.
    database_url: str = "sqlite+aiosqlite:///capsule.db"
    # Directory holding signing.pem and master.key (mode 0600).
    keys_dir: str = "keys"
    # Base64 of 32 bytes; when set, used instead of keys/master.key.
    master_key: str | None = None
    # Sessions and rate limits in Redis when set (several workers or hosts), in memory otherwise.
    redis_url: str | None = None
    # The public address, used in invitation links, receipts and archives.
    base_url: str = "http://127.0.0.1:8000"
    # Largest attachment accepted, per file, in MiB; refused with 413 while streaming.
    max_upload_mb: Annotated[int, msgspec.Meta(ge=1, le=4096)] = 25
    # drand relays for the drand lock, tried in turn.
    drand_urls: tuple[str, ...] = DEFAULT_DRAND_URLS
    # Seconds to wait for one drand relay.
    drand_timeout: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0
    # Time zone of new capsules' dates (opening date, deadline) in forms.
    default_timezone: str = "Asia/Almaty"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] = "json"
    # Login attempts allowed per client address and minute.
    login_rate_per_minute: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 10

    _LISTS: ClassVar[frozenset[str]] = frozenset({"drand_urls"})

    def __post_init__(self) -> None:
        _check_database_url(self.database_url)
        if self.master_key is not None:
            self.master_key_bytes()  # raises on a bad value
        _check_http_url("CAPSULE_BASE_URL", self.base_url)
        if self.base_url.endswith("/"):
            raise ConfigError(f"CAPSULE_BASE_URL must not end with '/': {self.base_url!r}")
        for url in self.drand_urls:
            _check_http_url("CAPSULE_DRAND_URLS", url)
        if self.redis_url is not None and urlsplit(self.redis_url).scheme not in ("redis", "rediss", "unix"):
            raise ConfigError(f"CAPSULE_REDIS_URL must be a redis:// URL, got {self.redis_url!r}")
        try:
            zoneinfo.ZoneInfo(self.default_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"CAPSULE_DEFAULT_TIMEZONE: unknown time zone {self.default_timezone!r}"
            ) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `CAPSULE_*` variables.

        Raises:
            ConfigError: a variable is unknown or its value is malformed; the message names it.
        """
        env = os.environ if env is None else env
        fields = set(cls.__struct_fields__)
        raw: dict[str, Any] = {}
        for key, value in env.items():
            if not key.startswith("CAPSULE_"):
                continue
            name = key[len("CAPSULE_") :].lower()
            if name not in fields:
                raise ConfigError(f"unknown setting {key}; see the configuration table in README.md")
            if value == "" and name in ("master_key", "redis_url"):
                continue  # an empty optional value means "not set"
            raw[name] = [v.strip() for v in value.split(",") if v.strip()] if name in cls._LISTS else value
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ConfigError(_name_variable(str(exc))) from None

    @property
    def keys_path(self) -> Path:
        return Path(self.keys_dir)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def master_key_bytes(self) -> bytes | None:
        """The decoded CAPSULE_MASTER_KEY, or None when the key comes from keys/master.key."""
        if self.master_key is None:
            return None
        try:
            key = base64.b64decode(self.master_key, validate=True)
        except binascii.Error:
            raise ConfigError("CAPSULE_MASTER_KEY is not valid base64") from None
        if len(key) != 32:
            raise ConfigError(f"CAPSULE_MASTER_KEY must decode to 32 bytes, got {len(key)}")
        return key

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests, the CLI's --option overrides)."""
        return msgspec.structs.replace(self, **changes)


def _check_database_url(url: str) -> None:
    if not (url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://")):
        raise ConfigError(
            "CAPSULE_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
            f"got {url.split('://')[0]!r}"
        )


def _check_http_url(variable: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{variable} must be an http(s) URL, got {url!r}")


def _name_variable(message: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.max_upload_mb`": name the variable instead.
    if " - at `$." in message:
        text, _, path = message.partition(" - at `$.")
        field = path.rstrip("`").split("[")[0].split(".")[0]
        return f"CAPSULE_{field.upper()}: {text}"
    return f"bad CAPSULE_* setting: {message}"
