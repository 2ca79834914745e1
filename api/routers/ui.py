"""The analyst page: static HTML/JS/CSS that reads the JSON API with the user's key."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
FILES = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
# The page loads nothing from elsewhere and runs no inline script.
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"

router = APIRouter(tags=["page"], include_in_schema=False)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/")


@router.get("/ui/")
def page() -> FileResponse:
    return _file("index.html")


@router.get("/ui/{name}")
def asset(name: str) -> FileResponse:
    return _file(name)


def _file(name: str) -> FileResponse:
    if name not in FILES:
        from api.errors import NotFound

        raise NotFound(f"no page asset {name!r}")
    return FileResponse(
        STATIC / name,
        media_type=FILES[name],
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
    )
