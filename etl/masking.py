"""masking: secrets out of anything that may be printed (connection strings, URLs, driver messages)."""

from __future__ import annotations

import re

_KV = re.compile(r"(?i)\b(pwd|password)\s*=\s*(\{[^}]*\}|[^;\s]*)")
_URL = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s]*)(@)")


def mask(text: str | None, *secrets: str | None) -> str:
    """`text` with passwords in key=value pairs and URLs, and the given secret values, replaced by ***."""
    if not text:
        return text or ""
    out = _KV.sub(lambda m: f"{m.group(1)}=***", text)
    out = _URL.sub(lambda m: f"{m.group(1)}***{m.group(3)}", out)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "***")
    return out
