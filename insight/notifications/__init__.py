"""Digests and alerts: what to say (digest, alerts), when (notify) and how it is delivered."""
