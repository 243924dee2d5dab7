"""A resolver with fixed records, so URL checks are tested without a network."""

from __future__ import annotations

PUBLIC_V4 = "93.184.215.14"
RECORDS = {
    "relay.example.com": [PUBLIC_V4],
    "hooks.example.com": [PUBLIC_V4],
    "ingest.example.net": [PUBLIC_V4, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "rebind.example.com": [PUBLIC_V4, "127.0.0.1"],
    "internal.example.com": ["10.1.2.3"],
    "metadata.example.com": ["169.254.169.254"],
    "ula.example.com": ["fd00:ec2::254"],
    "mapped.example.com": ["::ffff:192.168.0.1"],
    "localhost": ["127.0.0.1", "::1"],
}


def fake_resolver(host: str) -> list[str]:
    try:
        return RECORDS[host.lower()]
    except KeyError:
        raise OSError(f"no such host: {host}") from None
