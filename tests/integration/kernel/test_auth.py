from __future__ import annotations

import pytest
from sqlalchemy import select

from zhiliang.kernel import auth
from zhiliang.kernel.errors import DomainError


def test_passwords_are_argon2_and_verify(rt):
    with rt.db.begin() as s:
        user = auth.create_user(s, username="u1", display_name="U", role="admin", password="s3cret-pass",
                                at=rt.clock.now())
        assert user.password_hash.startswith("$argon2id$")
        assert auth.verify_password(user, "s3cret-pass") and not auth.verify_password(user, "wrong-pass")


def test_tokens_are_stored_hashed_and_shown_once(rt):
    with rt.db.begin() as s:
        user = auth.create_user(s, username="u2", display_name="U", role="admin", password=None, at=rt.clock.now())
        secret = auth.issue_token(s, user, "ci", rt.clock.now())
        stored = s.scalar(select(auth.ApiToken))
        assert secret not in (stored.token_hash, stored.prefix) and stored.token_hash == auth.sha256_hex(secret)
        assert auth.user_for_token(s, secret, rt.clock.now()).id == user.id
        assert auth.user_for_token(s, secret + "x", rt.clock.now()) is None
        stored.revoked_at = rt.clock.now()
        assert auth.user_for_token(s, secret, rt.clock.now()) is None


@pytest.mark.parametrize("role,binding,code", [
    ("enterprise", {}, "auth.tenant"), ("cb", {}, "auth.tenant"), ("lab", {}, "auth.tenant"),
    ("regulator", {"jurisdiction": "5001"}, "auth.jurisdiction"), ("regulator", {"jurisdiction": "500106"},
                                                                   "auth.jurisdiction"),
    ("king", {}, "auth.role"),
])
def test_roles_need_their_binding(role, binding, code):
    with pytest.raises(DomainError) as info:
        auth.check_binding(role, binding.get("tenant_id"), binding.get("jurisdiction"), binding.get("department"))
    assert info.value.code == code and info.value.zh and info.value.en


def test_sessions_expire(rt, clock):
    with rt.db.begin() as s:
        user = auth.create_user(s, username="u3", display_name="U", role="admin", password="s3cret-pass",
                                at=rt.clock.now())
        sid, csrf = auth.open_session(s, user, clock.now(), days=1)
        assert auth.resolve_session(s, sid, clock.now()) == (user, csrf)
        clock.advance(days=2)
        assert auth.resolve_session(s, sid, clock.now()) is None
