"""Atomic writes: build in a temporary sibling of the target, then rename it into place."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_sibling(target: Path, directory: bool) -> Path:
    """An empty temporary file (or directory) beside ``target``, with the permissions a plain create would give."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        temp.chmod(0o777 & ~_umask())
        return temp
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    Path(name).chmod(0o666 & ~_umask())
    return Path(name)


def write_json_atomic(value: Any, target: Path) -> None:
    """Write ``value`` as indented JSON (trailing newline) to ``target`` atomically."""
    temp = temp_sibling(target, directory=False)
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2)
            handle.write("\n")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
