"""Verbatim insight engine: topics, sentiment and advocacy impact from customer comments."""

from __future__ import annotations

__version__ = "0.1.0"
