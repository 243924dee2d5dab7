"""Serves the web pages (server/web/app.py, WSGI) in front of the /v1 stack, through a2wsgi,
for either connexion app flavour. Only the pages' own paths go there; everything else goes on
to /v1 untouched."""

from __future__ import annotations

from a2wsgi import WSGIMiddleware
from flask import Flask
from starlette.types import ASGIApp, Receive, Scope, Send

from server.web.app import STATIC_PATH
from server.web.oauth import OAUTH_PATHS

WEB_PATHS = ("/", "/sign-in", "/sign-out", "/account", *OAUTH_PATHS)
WEB_PREFIXES = ("/account/", STATIC_PATH + "/")


def is_web_path(path: str) -> bool:
    return path in WEB_PATHS or path.startswith(WEB_PREFIXES)


class WebPagesMiddleware:
    def __init__(self, app: ASGIApp, *, web_app: Flask) -> None:
        self.app = app
        self.web = WSGIMiddleware(web_app)  # type: ignore[arg-type]  # Flask is a WSGI app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_web_path(scope["path"]):
            await self.web(scope, receive, send)  # type: ignore[arg-type]  # ASGI 3 types
        else:
            await self.app(scope, receive, send)
