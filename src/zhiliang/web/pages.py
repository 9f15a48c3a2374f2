"""Home, login and logout, language switch, API tokens: the pages that belong to no single feature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from zhiliang.kernel import audit, auth
from zhiliang.kernel.errors import DomainError, unauthenticated
from zhiliang.kernel.http.context import LANG_COOKIE, SESSION_COOKIE, Id, resolve, runtime
from zhiliang.kernel.http.render import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    return target if target and target.startswith("/") and not target.startswith("//") else "/console"


@router.get("/lang/{locale}", name="web.lang", include_in_schema=False)
def switch_language(request: Request, locale: str, next: str = "/") -> Response:
    response = RedirectResponse(_safe_next(next) if next != "/" else "/", status_code=303)
    if locale in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/login", name="web.login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "failed": False})


@router.post("/login", name="web.login_submit", include_in_schema=False)
def login(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    rt = runtime(request)
    if "\x00" in username:  # no account has one, and PostgreSQL refuses NUL in text
        return render(request, "login.html", {"next": _safe_next(next), "failed": True}, status=401)
    with rt.db.begin() as session:
        user = session.scalar(select(auth.User).where(auth.User.username == username.strip()))
        if user is None or not auth.verify_password(user, password):
            return render(request, "login.html", {"next": _safe_next(next), "failed": True}, status=401)
        sid, _ = auth.open_session(session, user, rt.clock.now(), rt.settings.session_days)
        audit.record(session, at=rt.clock.now(), actor_id=user.id, actor_label=user.username,
                     tag="kernel:session:create", entity_type="user", entity_id=user.id,
                     after={"ip": request.client.host if request.client else None})
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, sid, max_age=rt.settings.session_days * 86400, httponly=True,
                        samesite="lax", secure=rt.settings.secure_cookies)
    return response


@router.post("/logout", name="web.logout", include_in_schema=False)
def logout(request: Request) -> Response:
    if sid := request.cookies.get(SESSION_COOKIE):
        with runtime(request).db.begin() as session:
            auth.close_session(session, sid)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/console/tokens", name="web.tokens", include_in_schema=False)
def tokens_page(request: Request) -> Response:
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    with runtime(request).db.read() as session:
        tokens = session.scalars(select(auth.ApiToken).where(auth.ApiToken.user_id == actor.user_id)
                                 .order_by(auth.ApiToken.id.desc())).all()
    return render(request, "tokens.html", {"tokens": tokens, "new_token": None})


@router.post("/console/tokens/{token_id}/revoke", name="web.tokens_revoke", include_in_schema=False)
def revoke_token(request: Request, token_id: Id) -> Response:
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    rt = runtime(request)
    with rt.db.begin() as session:
        token = auth.revoke_token(session, actor.user_id, token_id, rt.clock.now())
        audit.record(session, at=rt.clock.now(), actor_id=actor.user_id, actor_label=actor.label,
                     tag="kernel:token:revoke", entity_type="user", entity_id=actor.user_id,
                     after={"token": token.name, "prefix": token.prefix})
    return RedirectResponse("/console/tokens", status_code=303)


@router.post("/console/tokens", name="web.tokens_create", include_in_schema=False)
def create_token(request: Request, name: Annotated[str, Form()]) -> Response:
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    if not name.strip():
        raise DomainError("token.name", "请填写令牌名称", "Give the token a name", "name", 422)
    rt = runtime(request)
    with rt.db.begin() as session:
        user = session.get(auth.User, actor.user_id)
        secret = auth.issue_token(session, user, name.strip()[:80], rt.clock.now())
        audit.record(session, at=rt.clock.now(), actor_id=user.id, actor_label=user.username,
                     tag="kernel:token:create", entity_type="user", entity_id=user.id, after={"token": name.strip()})
        tokens = session.scalars(select(auth.ApiToken).where(auth.ApiToken.user_id == actor.user_id)
                                 .order_by(auth.ApiToken.id.desc())).all()
    return render(request, "tokens.html", {"tokens": tokens, "new_token": secret})
