"""Files of an earlier commit, so a bench can run the previous release beside the current one."""

from __future__ import annotations

import subprocess


def git_show(commit: str, path: str) -> bytes:
    """The bytes of ``path`` at ``commit`` (the repository must be a git checkout)."""
    return subprocess.run(
        ["git", "show", f"{commit}:{path}"], capture_output=True, check=True
    ).stdout
