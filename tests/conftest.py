"""Fixtures shared by every test: the manual clock and settings. Database and app fixtures
live in tests/integration/conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from capsule.core.clock import ManualClock

hypothesis_settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("default")


@pytest.fixture
def clock() -> ManualClock:
    """5 March 2026, 10:00 in Almaty: the morning of the ceremony."""
    return ManualClock(datetime(2026, 3, 5, 5, 0, tzinfo=UTC))
