"""``SCHEME:VALUE[?k=v&...]`` arguments: dependencies (RFC 26) and taskmaps."""

from __future__ import annotations

from collections.abc import Iterable


def _convert(value: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def parse_uri_arg(uri: str, name: str) -> dict:
    """Return ``{"scheme": S, "value": V, **query}`` or raise ValueError."""
    from urllib.parse import parse_qs, urlparse  # lazily: start-up matters

    text = uri if ":" in uri else uri + ":"
    try:
        parsed = urlparse(text.replace(":", ":FXX", 1))
    except ValueError:
        raise ValueError(f'Invalid {name} URI "{uri}"')
    if not parsed.scheme or not parsed.path:
        raise ValueError(f'Invalid {name} URI "{uri}"')
    result: dict = {"scheme": parsed.scheme, "value": parsed.path.replace("FXX", "", 1)}
    for key, values in parse_qs(parsed.query).items():
        converted = [_convert(v) for v in values]
        result[key] = converted[0] if len(converted) == 1 else converted
    return result


def dependency_array_create(uris: Iterable[str]) -> list[dict]:
    """Build the RFC 26 ``attributes.system.dependencies`` array."""
    return [parse_uri_arg(uri, "dependency") for uri in uris]
