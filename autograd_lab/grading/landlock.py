"""Unprivileged filesystem, network and signal sandboxing with Linux Landlock (via ctypes)."""
from __future__ import annotations

import ctypes
import os
import sys

_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446
_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_TRUNCATE, _IOCTL_DEV = 1 << 14, 1 << 15
_FILE_BITS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
READ = _EXECUTE | _READ_FILE | _READ_DIR


class LandlockUnavailable(OSError):
    """Landlock is not supported by this kernel or platform."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise LandlockUnavailable("Landlock needs Linux")
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI version of the running kernel, or 0 if unavailable."""
    try:
        libc = _libc()
    except (LandlockUnavailable, OSError):
        return 0
    version = libc.syscall(_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


def _handled_fs(abi: int) -> int:
    handled = (1 << 13) - 1
    if abi >= 2:
        handled |= 1 << 13
    if abi >= 3:
        handled |= _TRUNCATE
    if abi >= 5:
        handled |= _IOCTL_DEV
    return handled


_WRITE_BITS = (1 << 13) - 1 & ~(_EXECUTE | _READ_FILE | _READ_DIR)  # write, remove, make_*


def confine_further(*, writes: bool) -> None:
    """A nested domain for this process: it can no longer signal the processes around it (ABI 6) and,
    unless ``writes``, can no longer change any file. Raises LandlockUnavailable without Landlock."""
    abi = abi_version()
    if abi < 1:
        raise LandlockUnavailable("this kernel has no Landlock")
    handled = 0 if writes else _handled_fs(abi) & (_WRITE_BITS | _TRUNCATE | (1 << 13 if abi >= 2 else 0))
    attr = _RulesetAttr(fs=handled, scoped=1 | 2 if abi >= 6 else 0)
    if not attr.fs and not attr.scoped:
        return
    libc = _libc()
    size = 24 if abi >= 6 else 8
    ruleset = libc.syscall(_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise LandlockUnavailable(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        if libc.syscall(_RESTRICT, ruleset, ctypes.c_uint32(0)) < 0:
            raise LandlockUnavailable(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)


def restrict(readable: list[str], writable: list[str]) -> str:
    """Allow only reading ``readable`` and full access to ``writable``; forbid TCP and signalling out.

    Applies to the calling process and its future children, irreversibly. Returns a description.
    """
    abi = abi_version()
    if abi < 1:
        raise LandlockUnavailable("this kernel has no Landlock")
    libc = _libc()
    handled = _handled_fs(abi)
    attr = _RulesetAttr(fs=handled)
    size = 8
    if abi >= 4:
        attr.net, size = 1 | 2, 16
    if abi >= 6:
        attr.scoped, size = 1 | 2, 24
    ruleset = libc.syscall(_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise LandlockUnavailable(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        rules = [(p, READ & handled) for p in readable] + [(p, handled) for p in writable]
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= _FILE_BITS
                rule = _PathBeneath(allowed=access, parent_fd=fd)
                if libc.syscall(_ADD_RULE, ruleset, _PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise LandlockUnavailable(f"landlock_add_rule({path}): {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockUnavailable("prctl(NO_NEW_PRIVS) failed")
        if libc.syscall(_RESTRICT, ruleset, ctypes.c_uint32(0)) < 0:
            raise LandlockUnavailable(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return f"landlock ABI {abi}"
