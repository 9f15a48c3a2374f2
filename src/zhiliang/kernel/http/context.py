"""Per-request context: the acting user (bearer token or session cookie), the language, and CSRF protection.

Bearer-token requests (machine clients) are exempt from CSRF; cookie-authenticated writes must carry the
session's CSRF token in the ``csrf_token`` form field or the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query, Request
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel import auth
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError, forbidden, unauthenticated
from zhiliang.kernel.i18n import Translator, negotiate
from zhiliang.kernel.policy import is_staff
from zhiliang.kernel.runtime import Runtime

MAX_ID = 2**63 - 1  # BIGINT: a larger number can name nothing, and would overflow the database driver
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="Record id")]
After = Annotated[int | None, Query(ge=0, le=MAX_ID, description="Keyset cursor: the last id of the previous page")]
SESSION_COOKIE = "zl_session"
LANG_COOKIE = "lang"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class RequestContext:
    actor: Actor
    locale: str
    csrf_token: str
    via_token: bool

    @property
    def t(self) -> Translator:
        return Translator(self.locale)


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def signed_in(request: Request) -> Actor:
    """The asking actor, who must be signed in (401 otherwise: the pages send the anonymous to the login)."""
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    return actor


def staff_member(request: Request) -> Actor:
    """The asking actor, who must be signed in (401) and a regulator or admin (403)."""
    actor = signed_in(request)
    if not is_staff(actor):
        raise forbidden()
    return actor


def in_transaction(request: Request, work: Callable[[Any, Actor, Runtime], Any],
                   actor: Actor | None = None) -> Any:
    """``work(session, actor, runtime)`` in one write transaction, as the asking actor (or ``actor``, when the
    route has already checked who may ask): the body of a route that changes something."""
    rt = runtime(request)
    with rt.db.begin() as session:
        return work(session, actor or resolve(request).actor, rt)


def resolve(request: Request) -> RequestContext:
    """Work out who is asking and in which language; cached on ``request.state``."""
    cached = getattr(request.state, "zl", None)
    if cached is not None:
        return cached
    rt = runtime(request)
    locale = negotiate(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                       rt.settings.default_locale)
    actor, csrf, via_token = Actor.public(), "", False
    bearer = request.headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        with rt.db.begin() as session:  # writes the token's last use, at most once a minute (see auth)
            user = auth.user_for_token(session, bearer[7:].strip(), rt.clock.now())
            if user is None:
                raise DomainError("auth.token", "API 令牌无效或已撤销", "Invalid or revoked API token", None, 401)
            actor, via_token = Actor.of(user), True
    elif sid := request.cookies.get(SESSION_COOKIE):
        with rt.db.read() as session:
            found = auth.resolve_session(session, sid, rt.clock.now())
            if found is not None:
                actor, csrf = Actor.of(found[0]), found[1]
    request.state.zl = RequestContext(actor, locale, csrf, via_token)
    return request.state.zl


async def check_csrf(request: Request) -> None:
    """App-wide dependency: resolve who is asking (401 for a bad token on any route), then refuse a
    cookie-authenticated write whose CSRF token is missing or wrong (403). Database work (a token or a session
    to look up) runs in the thread pool, never on the event loop."""
    if "\x00" in request.url.path or any("\x00" in k + v for k, v in request.query_params.multi_items()):
        raise DomainError("request.nul", "请求中含有非法的空字符(NUL)", "The request contains a NUL character",
                          None, 400)
    if request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE):
        ctx = await run_in_threadpool(resolve, request)
    else:  # anonymous (a consumer scanning a QR code): no database work, so no trip to the thread pool
        ctx = resolve(request)
    if request.method in SAFE_METHODS:
        return
    if ctx.via_token or ctx.actor.user_id is None:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, ctx.csrf_token):
        raise DomainError("csrf", "页面已过期或请求来源不可信,请刷新后重试",
                          "The page expired or the request did not come from this site; reload and retry", None, 403)
