"""Accounts: users bound to a tenant, Argon2 passwords, revocable cookie sessions and hashed API tokens.

Roles follow SPEC.md: public, enterprise, cb (certification body), lab, regulator, admin. An enterprise, CB or lab
user is bound to that organisation (``tenant_id``); a regulator to a jurisdiction (GB/T 2260 division code) and a
department. API tokens and session ids are random 256-bit secrets, so a fast SHA-256 is enough to store them;
passwords are low-entropy and get Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhiliang.kernel.db import Base, BigId, UtcDateTime
from zhiliang.kernel.errors import DomainError, invalid

ROLES = ("public", "enterprise", "cb", "lab", "regulator", "admin")
TENANT_ROLES = {"enterprise": "enterprise", "cb": "certification_body", "lab": "laboratory"}
TOKEN_PREFIX = "zl_"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[int | None] = mapped_column(BigId)
    jurisdiction: Mapped[str | None] = mapped_column(String(6))
    department: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginSession(Base):
    __tablename__ = "login_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Actor:
    """Who is acting: what policies look at. The anonymous public is ``Actor.public()``."""

    user_id: int | None
    role: str
    label: str
    tenant_id: int | None = None
    jurisdiction: str | None = None
    department: str | None = None

    @classmethod
    def public(cls) -> Actor:
        return cls(None, "public", "public")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The platform itself (CLI jobs, the demo builder): acts with admin rights, audited under ``label``."""
        return cls(None, "admin", label)

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.role, user.username, user.tenant_id, user.jurisdiction, user.department)


def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (argon2-cffi defaults, RFC 9106 low-memory profile)."""
    if len(password) < 8:
        raise invalid("auth.password.short", "密码至少 8 位", "Password must have at least 8 characters", "password")
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or malformed hash."""
    if not user.password_hash or not user.active:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_binding(role: str, tenant_id: int | None, jurisdiction: str | None, department: str | None) -> None:
    """Raise unless the role carries exactly the binding it needs (tenant, or jurisdiction and department)."""
    if role not in ROLES:
        raise invalid("auth.role", f"未知角色:{role}", f"Unknown role: {role}", "role")
    if role in TENANT_ROLES and tenant_id is None:
        raise invalid("auth.tenant", "该角色必须绑定所属单位", "This role must be bound to its organisation", "tenant")
    if role == "regulator" and not (jurisdiction and len(jurisdiction) == 6 and jurisdiction.isdigit() and department):
        raise invalid(
            "auth.jurisdiction", "监管人员必须绑定辖区(6 位区划代码)和部门",
            "A regulator must be bound to a jurisdiction (6-digit division code) and a department", "jurisdiction",
        )


def create_user(
    session: Session, *, username: str, display_name: str, role: str, password: str | None, at: datetime,
    tenant_id: int | None = None, jurisdiction: str | None = None, department: str | None = None,
) -> User:
    """Create a user; raises 409 when the username is taken and 422 when the binding does not fit the role."""
    check_binding(role, tenant_id, jurisdiction, department)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DomainError("auth.username.taken", f"用户名已存在:{username}", f"Username taken: {username}",
                          "username", 409)
    user = User(
        username=username, display_name=display_name, role=role, tenant_id=tenant_id,
        jurisdiction=jurisdiction, department=department, created_at=at,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def issue_token(session: Session, user: User, name: str, at: datetime) -> str:
    """Create an API token and return it in clear; only its SHA-256 is stored, so it is shown this once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=sha256_hex(secret), prefix=secret[:10],
                         created_at=at))
    session.flush()
    return secret


def revoke_token(session: Session, user_id: int, token_id: int, at: datetime) -> ApiToken:
    """Revoke one of ``user_id``'s tokens; 404 when the user has no such token. Revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise DomainError("not_found", f"未找到令牌:{token_id}", f"Token not found: {token_id}", "token", 404)
    token.revoked_at = token.revoked_at or at
    return token


def user_for_token(session: Session, secret: str, at: datetime) -> User | None:
    """The active user a bearer token belongs to, or None; records when the token was last used."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or at - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = at  # throttled: a busy machine client must not turn every read into a write
    return user


def open_session(session: Session, user: User, at: datetime, days: int) -> tuple[str, str]:
    """Start a login session; returns (session id to put in the cookie, CSRF token for forms)."""
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(LoginSession(id_hash=sha256_hex(sid), user_id=user.id, csrf_token=csrf, created_at=at,
                             expires_at=at + timedelta(days=days)))
    return sid, csrf


def resolve_session(session: Session, sid: str, at: datetime) -> tuple[User, str] | None:
    """(user, csrf token) for a live session id, or None when unknown, expired or the user is disabled."""
    row = session.get(LoginSession, sha256_hex(sid))
    if row is None or row.expires_at <= at:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row.csrf_token


def close_session(session: Session, sid: str) -> None:
    row = session.get(LoginSession, sha256_hex(sid))
    if row is not None:
        session.delete(row)
