"""Extensions' request hooks only where they are needed: Flask-Limiter's on the views that
have limits, Flask-Login's remember-cookie hook off the citizen's pages.

Flask-Limiter runs a hook before and after every request and at its teardown, to apply
default and application-wide limits. Borgerblik has neither: only views decorated with
`limiter.limit` (the login) are limited, and the open link counts sheets through the
limiter's storage itself (responding.open_link). The three hooks cost about 5 % of a
citizen page for nothing; here they run only for the limited views' endpoints.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name


def limited_endpoints(app: Flask, limiter: Limiter) -> frozenset[str]:
    """Endpoints whose view carries a `limiter.limit` decorator."""
    # The decorator records the view's qualified name; Flask-Limiter has no public way
    # to ask for it (tests/security/test_sec_limits.py holds the login's limits).
    marked = limiter._marked_for_limiting
    return frozenset(
        endpoint
        for endpoint, view in app.view_functions.items()
        if get_qualified_name(view) in marked
    )


def hooks_only_where_limited(app: Flask, limiter: Limiter) -> frozenset[str]:
    """Gate the limiter's hooks by endpoint; call after every blueprint is registered."""
    limited = limited_endpoints(app, limiter)
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return limited  # limits on every route: the hooks are needed everywhere

    def gate(hook: Any) -> Any:
        def gated(*args: Any) -> Any:
            if request.endpoint in limited:
                return hook(*args)
            return args[0] if args else None  # after_request passes the response on

        return gated

    def gate_teardown(hook: Any) -> Any:
        def gated(error: BaseException | None) -> None:
            if request.endpoint in limited:
                hook(error)

        return gated

    def is_limiter_hook(hook: Any) -> bool:
        owner = hook.func if isinstance(hook, partial) else hook
        return getattr(owner, "__self__", None) is limiter or (
            isinstance(hook, partial) and limiter in hook.args
        )

    registries: list[tuple[dict[Any, list[Any]], Any]] = [
        (cast(dict[Any, list[Any]], app.before_request_funcs), gate),
        (cast(dict[Any, list[Any]], app.after_request_funcs), gate),
        (cast(dict[Any, list[Any]], app.teardown_request_funcs), gate_teardown),
    ]
    for registry, wrap in registries:
        hooks = registry.get(None, [])
        registry[None] = [wrap(h) if is_limiter_hook(h) else h for h in hooks]
    return limited


CITIZEN_BLUEPRINTS = frozenset({"respond"})


def login_hook_only_for_staff(app: Flask, login_manager: Any) -> None:
    """Flask-Login refreshes or clears its remember-me cookie after every request; only a
    staff page can have one (a citizen never signs in), so citizen pages skip the hook."""
    hook = login_manager._update_remember_cookie

    def for_staff(response: Any) -> Any:
        if request.blueprint in CITIZEN_BLUEPRINTS:
            return response
        return hook(response)

    hooks = cast(dict[Any, list[Any]], app.after_request_funcs).get(None, [])
    app.after_request_funcs[None] = [for_staff if h == hook else h for h in hooks]
