"""Test-only: name resolution overrides for a bot process that a test starts (never installed).

A test that serves a news site on 127.0.0.1 under the site's real host name (a page's canonical
link is trusted on its own host only) puts this folder on the process's ``PYTHONPATH`` and sets
``TEST_FAKE_HOSTS=host=127.0.0.1,...``; Python imports ``sitecustomize`` at start-up.
"""

from __future__ import annotations

import os
import socket
from typing import Any

_HOSTS = dict(
    pair.strip().lower().split("=", 1) for pair in os.environ.get("TEST_FAKE_HOSTS", "").split(",") if "=" in pair
)

if _HOSTS:
    _real_getaddrinfo = socket.getaddrinfo

    def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host  # anyio passes IDNA bytes
        if isinstance(name, str) and name.lower() in _HOSTS:
            host = _HOSTS[name.lower()]
        return _real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = _getaddrinfo
