"""The web pages of the product that are not the Developer API: sign in, sign out and the
Developer / API Keys screen. Server-rendered (Flask, Jinja2), outside /v1 and its contract."""
