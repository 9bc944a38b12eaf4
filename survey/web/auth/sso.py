"""Single sign-on with OpenID Connect (Entra ID or any standard provider), through Authlib.

Authlib keeps the state, nonce and PKCE verifier in the session, checks the state on the
way back, and checks the ID token's signature (the provider's JWKS), issuer, audience,
expiry and nonce. A client is made per configuration, so a changed configuration is
picked up without a restart.
"""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import current_app

EXTENSION = "borgerblik.sso"


def sso_configured() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def sso_client():
    """The OpenID Connect client of the current configuration, or None when there is none."""
    if not sso_configured():
        return None
    config = current_app.config
    issuer = config["OIDC_ISSUER"].rstrip("/")
    key = (issuer, config["OIDC_CLIENT_ID"], config.get("OIDC_CLIENT_SECRET", ""))
    clients = current_app.extensions.setdefault(EXTENSION, {})
    if key not in clients:
        oauth = OAuth()
        oauth.app = current_app._get_current_object()  # bound without taking over the app
        clients[key] = oauth.register(
            "sso",
            client_id=key[1],
            client_secret=key[2],
            server_metadata_url=issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
    return clients[key]
