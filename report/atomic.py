"""Write files atomically: a temporary file in the same folder, then a rename.

A reader, or a run killed half-way, finds either the old file or the whole
new one, never a part: ``os.replace`` within one folder is atomic on POSIX
and Windows file systems.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".partial"


def _file_mode() -> int:
    # mkstemp creates files readable by the owner only; results are shared
    # files, so they get the mode an ordinary open() would give.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place on success."""
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
    )
    os.close(handle)
    os.chmod(name, FILE_MODE)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


@contextlib.contextmanager
def atomic_text(
    path: Path, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[str]]:
    """Yield a text stream whose content replaces ``path`` when the block ends."""
    with (
        atomic_path(path) as temporary,
        open(temporary, "w", encoding=encoding, newline=newline) as stream,
    ):
        yield stream


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` in one step."""
    with atomic_text(path, encoding=encoding) as stream:
        stream.write(text)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files that a killed run left in ``folder``."""
    removed = []
    for path in sorted(folder.glob(f".*{TEMP_SUFFIX}")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    if removed:
        logger.info("removed %d temporary files of an earlier run", len(removed))
    return removed
