"""Credentials for ARM: Entra ID in Azure, a static token for the local simulator."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken


class SimulatorCredential:
    """A fixed bearer token: the local ARM simulator accepts any token, Azure accepts none."""

    TOKEN = "local-arm-simulator-token"

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return a token that never expires within a test run."""
        return AccessToken(self.TOKEN, int(time.time()) + 3600)
