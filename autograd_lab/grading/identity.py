"""Student ids: exact keys, printable forms, injective file names, shards and look-alike names.

A student's id is the name of their folder (or notebook, without ``.ipynb``) exactly as the file system
gives it. Python hands over names that are not valid UTF-8 with their odd bytes as lone surrogates
(``surrogateescape``), so :func:`key` recovers the exact bytes, which are what the gradebook stores.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata

HASH_CHARS = 12
PREFIX_CHARS = 40


def key(student: str) -> bytes:
    """The exact bytes of an id: the gradebook's key."""
    return os.fsencode(student)


def from_key(raw: bytes) -> str:
    """The id whose :func:`key` is ``raw``."""
    return os.fsdecode(raw)


def display(student: str) -> str:
    """A printable form of an id: itself when it is valid UTF-8, else with ``\\xNN`` for the odd bytes."""
    return key(student).decode("utf-8", "backslashreplace")


def is_valid_utf8(student: str) -> bool:
    try:
        key(student).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def digest(student: str) -> str:
    return hashlib.sha256(key(student)).hexdigest()


def file_stem(student: str) -> str:
    """A file-name-safe stem for an id: a readable prefix plus a hash of the exact bytes.

    Different ids get different stems (up to a 48-bit hash collision, which :func:`file_stems`
    detects), also on case-insensitive file systems, because the hash is of the exact id.
    """
    text = unicodedata.normalize("NFC", display(student))
    kept = "".join(ch if (ch.isalnum() or ch in "-_") and ch.isprintable() else "_" for ch in text)
    prefix = "_".join(part for part in kept.split("_") if part)[:PREFIX_CHARS] or "student"
    return f"{prefix}-{digest(student)[:HASH_CHARS]}"


def file_stems(students: list[str]) -> dict[str, str]:
    """:func:`file_stem` for each id, with the full hash wherever two short ones collide."""
    stems = {s: file_stem(s) for s in students}
    seen: dict[str, int] = {}
    for stem in stems.values():
        seen[stem.lower()] = seen.get(stem.lower(), 0) + 1
    for student, stem in stems.items():
        if seen[stem.lower()] > 1:
            stems[student] = f"{stem.rsplit('-', 1)[0]}-{digest(student)}"
    return stems


def shard_of(student: str, n: int) -> int:
    """Which of ``n`` shards (0-based) grades this id: a hash, so it never depends on who else submitted."""
    return int(digest(student)[:16], 16) % n


def lookalikes(students: list[str]) -> dict[str, list[str]]:
    """Ids that are the same text in another Unicode normalisation (``Zoë`` typed as NFC and as NFD)."""
    groups: dict[str, list[str]] = {}
    for student in students:
        groups.setdefault(unicodedata.normalize("NFC", display(student)), []).append(student)
    out: dict[str, list[str]] = {}
    for group in groups.values():
        if len(group) > 1:
            for student in group:
                out[student] = [other for other in group if other != student]
    return out
