"""Thin routers: parse → domain call → typed schema."""
