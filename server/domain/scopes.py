"""Every scope a key can hold, as published on the product page."""

ALL_SCOPES: tuple[str, ...] = (
    "studios:read",
    "studios:write",
    "sources:read",
    "sources:write",
    "destinations:read",
    "destinations:write",
    "stream:read",
    "stream:golive",
    "connections:read",
    "connections:write",
    "chat:read",
    "chat:send",
    "media:read",
    "media:write",
    "webhooks:manage",
)
