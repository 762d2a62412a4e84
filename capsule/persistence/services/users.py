"""Organizer accounts: Argon2id passwords and hashed API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from capsule.core import tokens
from capsule.core.clock import Clock
from capsule.core.errors import AuthError, ConflictError, FormatError, NotFoundError, ValidationError
from capsule.persistence import models as m
from capsule.persistence.database import Database

# argon2-cffi's defaults are RFC 9106's second recommendation: Argon2id, t=3, m=64 MiB, p=4.
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a missing account costs the same time.
_DUMMY_HASH = _hasher.hash("capsule: no such user")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class Organizer:
    id: UUID
    email: str
    display_name: str


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value):
        raise ValidationError(f"not an email address: {email!r}", field="email")
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"password must have at least {MIN_PASSWORD} characters", field="password", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"password must have at most {MAX_PASSWORD} characters", field="password")


class UserService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add(self, email: str, password: str, display_name: str = "") -> Organizer:
        """Create an organizer.

        Raises:
            ValidationError: bad email or password.
            ConflictError: the email is taken.
        """
        email = normalize_email(email)
        check_password(password)
        user = m.User(email=email, password_hash=_hasher.hash(password), display_name=display_name.strip(),
                      is_active=True, created_at=self.clock.now())
        try:
            async with self.db.write() as session:
                session.add(user)
        except IntegrityError:
            raise ConflictError(f"an organizer with email {email} already exists") from None
        return Organizer(user.id, user.email, user.display_name)

    async def authenticate(self, email: str, password: str) -> Organizer:
        """The organizer whose email and password these are.

        Raises:
            AuthError: unknown email, wrong password or inactive account (one message for all).
        """
        try:
            email = normalize_email(email)
        except ValidationError:
            email = ""
        async with self.db.read() as session:
            user = (await session.execute(select(m.User).where(m.User.email == email))).scalar_one_or_none()
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            user = None
        if user is None or not user.is_active:
            raise AuthError("wrong email or password")
        if _hasher.check_needs_rehash(user.password_hash):
            async with self.db.write() as session:
                await session.execute(update(m.User).where(m.User.id == user.id).values(password_hash=_hasher.hash(password)))
        return Organizer(user.id, user.email, user.display_name)

    async def create_token(self, email: str, name: str = "") -> str:
        """A new API token for the organizer; only its hash is stored, the token is returned once.

        Raises:
            NotFoundError: no organizer has this email.
        """
        email = normalize_email(email)
        token = tokens.new_token("cap")
        async with self.db.write() as session:
            user = (await session.execute(select(m.User).where(m.User.email == email))).scalar_one_or_none()
            if user is None:
                raise NotFoundError(f"no organizer with email {email}; add one with `capsule user add {email}`")
            session.add(m.ApiToken(user_id=user.id, name=name, token_hash=tokens.token_hash(token),
                                   created_at=self.clock.now()))
        return token

    async def by_token(self, token: str) -> Organizer:
        """The organizer an API token belongs to.

        Raises:
            AuthError: malformed, unknown or revoked token.
        """
        try:
            tokens.check_token(token, "cap")
        except FormatError:
            raise AuthError("invalid API token") from None
        digest = tokens.token_hash(token)
        async with self.db.read() as session:
            row = (await session.execute(
                select(m.ApiToken, m.User).join(m.User, m.User.id == m.ApiToken.user_id)
                .where(m.ApiToken.token_hash == digest)
            )).one_or_none()
        if row is None or not tokens.matches(token, row[0].token_hash) or row[0].revoked_at or not row[1].is_active:
            raise AuthError("invalid API token")
        return Organizer(row[1].id, row[1].email, row[1].display_name)

    async def get(self, user_id: UUID) -> Organizer | None:
        async with self.db.read() as session:
            user = await session.get(m.User, user_id)
        return Organizer(user.id, user.email, user.display_name) if user and user.is_active else None

    async def count(self) -> int:
        async with self.db.read() as session:
            return (await session.execute(select(func.count()).select_from(m.User))).scalar_one()
