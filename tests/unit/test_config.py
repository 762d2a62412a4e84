"""Settings: defaults, every variable documented, and a clear refusal of bad values."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from capsule.config import Settings
from capsule.core.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_are_the_embedded_setup() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite+aiosqlite:///capsule.db"
    assert settings.keys_dir == "keys"
    assert settings.master_key_bytes() is None
    assert settings.max_upload_bytes == 25 * 1024 * 1024
    assert settings.default_timezone == "Asia/Almaty"


def test_every_setting_is_in_the_readme_table_and_nothing_else() -> None:
    documented = set(re.findall(r"^\| `CAPSULE_([A-Z_]+)` \|", README.read_text(), flags=re.M))
    fields = {name.upper() for name in Settings.__struct_fields__}
    assert documented == fields


def test_values_are_converted_from_text() -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    settings = Settings.from_env({
        "CAPSULE_MAX_UPLOAD_MB": "100",
        "CAPSULE_MASTER_KEY": key,
        "CAPSULE_DRAND_URLS": "https://a.example, https://b.example",
        "CAPSULE_DRAND_TIMEOUT": "2.5",
        "CAPSULE_DATABASE_URL": "postgresql+asyncpg://u:p@db/capsule",
        "PATH": "/usr/bin",
    })
    assert settings.max_upload_mb == 100
    assert settings.master_key_bytes() == bytes(range(32))
    assert settings.drand_urls == ("https://a.example", "https://b.example")
    assert settings.drand_timeout == 2.5
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CAPSULE_MAX_UPLOADS": "1"}, r"unknown setting CAPSULE_MAX_UPLOADS"),
        ({"CAPSULE_MAX_UPLOAD_MB": "lots"}, r"CAPSULE_MAX_UPLOAD_MB: Expected `int`"),
        ({"CAPSULE_MAX_UPLOAD_MB": "0"}, r"CAPSULE_MAX_UPLOAD_MB: Expected `int` >= 1"),
        ({"CAPSULE_MASTER_KEY": "not base64!"}, r"CAPSULE_MASTER_KEY is not valid base64"),
        ({"CAPSULE_MASTER_KEY": base64.b64encode(b"short").decode()}, r"must decode to 32 bytes, got 5"),
        ({"CAPSULE_DATABASE_URL": "mysql://x/y"}, r"CAPSULE_DATABASE_URL must start with"),
        ({"CAPSULE_BASE_URL": "capsule.example"}, r"CAPSULE_BASE_URL must be an http\(s\) URL"),
        ({"CAPSULE_BASE_URL": "https://capsule.example/"}, r"must not end with '/'"),
        ({"CAPSULE_REDIS_URL": "http://x"}, r"CAPSULE_REDIS_URL must be a redis:// URL"),
        ({"CAPSULE_DEFAULT_TIMEZONE": "Asia/Nowhere"}, r"unknown time zone 'Asia/Nowhere'"),
        ({"CAPSULE_LOG_LEVEL": "loud"}, r"CAPSULE_LOG_LEVEL: Invalid enum value 'loud'"),
        ({"CAPSULE_DRAND_URLS": "ftp://x"}, r"CAPSULE_DRAND_URLS must be an http\(s\) URL"),
    ],
)
def test_a_bad_variable_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.database_url = "x"  # type: ignore[misc]
