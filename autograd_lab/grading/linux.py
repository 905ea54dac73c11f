"""Linux process isolation for the grading child, through ctypes: namespaces, prctl, capabilities,
a seccomp filter and a fork that runs no Python at-fork hooks.

Every function raises :class:`Unsupported` (or returns a false value) where the kernel, the
architecture or the privileges do not allow it; callers fall back and say so.
"""
from __future__ import annotations

import builtins as _builtins_module

__builtins__ = dict(vars(_builtins_module))  # own builtins: :func:`raw_fork` runs among notebook code

import ctypes  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
_CLONE_NEW_ANY = 0x7E020080  # every CLONE_NEW* flag, CLONE_NEWTIME included
_SIGCHLD = 17

_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP = 1, 4, 24
_PR_SET_NO_NEW_PRIVS, _PR_SET_CHILD_SUBREAPER, _PR_SET_SECCOMP = 38, 36, 22
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_SECCOMP_MODE_FILTER = 2


class Unsupported(OSError):
    """This kernel, architecture or privilege level does not offer the feature."""


def _libc() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise Unsupported("needs Linux")
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> int:
    if result < 0:
        raise Unsupported(f"{what}: {os.strerror(ctypes.get_errno())}")
    return result


def _prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    libc = _libc()
    return _check(libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(0),
                             ctypes.c_ulong(0)), f"prctl({option})")


# -- syscall numbers ---------------------------------------------------------------------------

_ARCH = platform.machine()
_SYSCALLS = {
    # name: (x86_64, aarch64)
    "clone": (56, 220), "clone3": (435, 435), "unshare": (272, 97), "setns": (308, 268),
    "socket": (41, 198), "ptrace": (101, 117), "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271), "io_uring_setup": (425, 425), "mount": (165, 40),
    "fork": (57, -1), "vfork": (58, -1),
}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}


def _nr(name: str) -> int:
    if _ARCH not in _AUDIT_ARCH:
        raise Unsupported(f"no syscall table for {_ARCH}")
    return _SYSCALLS[name][0 if _ARCH == "x86_64" else 1]


# -- namespaces ----------------------------------------------------------------------------------


def unshare(flags: int) -> None:
    """Move the caller (or, for PID namespaces, its future children) into new namespaces."""
    _check(_libc().unshare(ctypes.c_int(flags)), "unshare")


def enter_sandbox_namespaces() -> str:
    """New PID and network namespaces for the caller's children; a user namespace when not root.

    Returns a description (``"pid+net namespaces"``) or raises :class:`Unsupported`.
    """
    if os.geteuid() == 0:
        unshare(CLONE_NEWPID | CLONE_NEWNET)
        return "pid+net namespaces"
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                       ("/proc/self/gid_map", f"{gid} {gid} 1")):
        try:
            with open(path, "w") as fh:
                fh.write(text)
        except OSError as exc:
            raise Unsupported(f"{path}: {exc.strerror}") from exc
    return "user+pid+net namespaces"


# -- process attributes ---------------------------------------------------------------------------


def die_with_parent() -> None:
    """Get SIGKILL when the parent process ends."""
    _prctl(_PR_SET_PDEATHSIG, 9)


def become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process instead of init."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def make_undumpable() -> None:
    """Forbid ptrace and /proc/PID/mem access by processes without CAP_SYS_PTRACE."""
    _prctl(_PR_SET_DUMPABLE, 0)


def set_no_new_privs() -> None:
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Give up every capability for good (bounding, ambient, effective, permitted, inheritable)."""
    libc = _libc()
    for cap in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0),
                      ctypes.c_ulong(0)) != 0 and ctypes.get_errno() == 22:
            break  # EINVAL: past the last capability this kernel knows
    libc.prctl(_PR_CAP_AMBIENT, ctypes.c_ulong(_PR_CAP_AMBIENT_CLEAR_ALL), ctypes.c_ulong(0),
               ctypes.c_ulong(0), ctypes.c_ulong(0))
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")


# -- fork ---------------------------------------------------------------------------------------

def _clone_call() -> Any:
    if not sys.platform.startswith("linux") or _ARCH not in _AUDIT_ARCH:
        return None
    syscall = ctypes.PyDLL(None, use_errno=True).syscall
    syscall.restype = ctypes.c_long
    syscall.argtypes = [ctypes.c_long] * 6
    return syscall


# Taken at import, so that a notebook rebinding parts of ctypes cannot change what a fork runs.
_CLONE, _CLONE_ARGS, _get_errno, _os_fork = _clone_call(), (_nr("clone") if _ARCH in _AUDIT_ARCH else 0,
                                                            _SIGCHLD, 0, 0, 0, 0), ctypes.get_errno, os.fork


def raw_fork() -> int:
    """``fork`` through the clone system call, holding the GIL (``os.fork`` where that is unavailable).

    Unlike ``os.fork`` it runs no ``os.register_at_fork`` callbacks and no ``pthread_atfork``
    handlers, so code registered by a student cannot run in the child. As with ``fork``, only the
    calling thread exists in the child.
    """
    if _CLONE is None:
        return _os_fork()
    pid = _CLONE(*_CLONE_ARGS)
    if pid < 0:
        raise OSError(_get_errno(), "clone failed")
    return pid


# -- seccomp ------------------------------------------------------------------------------------

_BPF_LD_W_ABS, _BPF_JEQ_K, _BPF_JGE_K, _BPF_JSET_K, _BPF_RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EPERM, _EACCES, _ENOSYS = 1, 13, 38


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _assemble(source: list[tuple]) -> list[tuple[int, int, int, int]]:
    """Resolve labels into BPF's relative jumps; returns (code, jt, jf, k) tuples."""
    positions: dict[str, int] = {}
    code: list[tuple] = []
    for item in source:
        if item[0] == "label":
            positions[item[1]] = len(code)
        else:
            code.append(item)
    out = []
    for index, (op, k, jt, jf) in enumerate(code):
        rel = [positions[target] - index - 1 if target else 0 for target in (jt, jf)]
        assert all(0 <= r < 256 for r in rel), "BPF jumps go forward, by less than 256"
        out.append((op, rel[0], rel[1], k))
    return out


def _filter_program() -> list[tuple[int, int, int, int]]:
    """BPF: no socket() at all (socketpair stays), no io_uring, no clone3, no new namespaces, no ptrace."""
    deny = {
        "socket": _EACCES, "io_uring_setup": _ENOSYS, "clone3": _ENOSYS, "unshare": _EPERM, "setns": _EPERM,
        "ptrace": _EPERM, "process_vm_readv": _EPERM, "process_vm_writev": _EPERM, "mount": _EPERM,
    }
    src: list[tuple] = [
        (_BPF_LD_W_ABS, 4, None, None),  # seccomp_data.arch
        (_BPF_JEQ_K, _AUDIT_ARCH[_ARCH], "native", "refuse"),
        ("label", "native"),
        (_BPF_LD_W_ABS, 0, None, None),  # seccomp_data.nr
    ]
    if _ARCH == "x86_64":
        src.append((_BPF_JGE_K, 0x40000000, "refuse", None))  # the x32 ABI
    src += [(_BPF_JEQ_K, _nr(name), f"deny_{name}", None) for name in deny]
    src += [
        (_BPF_JEQ_K, _nr("clone"), "clone", None),
        ("label", "allow"),
        (_BPF_RET_K, _RET_ALLOW, None, None),
        ("label", "refuse"),
        (_BPF_RET_K, _RET_ERRNO | _ENOSYS, None, None),
    ]
    for name, errno in deny.items():
        src += [("label", f"deny_{name}"), (_BPF_RET_K, _RET_ERRNO | errno, None, None)]
    src += [
        ("label", "clone"),  # clone(flags, ...): no new namespaces
        (_BPF_LD_W_ABS, 16, None, None),
        (_BPF_JSET_K, _CLONE_NEW_ANY, None, "allow_clone"),
        (_BPF_RET_K, _RET_ERRNO | _EPERM, None, None),
        ("label", "allow_clone"),
        (_BPF_RET_K, _RET_ALLOW, None, None),
    ]
    return _assemble(src)


_CLONE_THREAD = 0x00010000


def _no_processes_program() -> list[tuple[int, int, int, int]]:
    """BPF: threads may still be started, processes not (fork, vfork, clone without CLONE_THREAD)."""
    src: list[tuple] = [
        (_BPF_LD_W_ABS, 4, None, None),
        (_BPF_JEQ_K, _AUDIT_ARCH[_ARCH], "native", "deny"),
        ("label", "native"),
        (_BPF_LD_W_ABS, 0, None, None),
    ]
    src += [(_BPF_JEQ_K, _nr(name), "deny", None) for name in ("fork", "vfork") if _nr(name) >= 0]
    src += [
        (_BPF_JEQ_K, _nr("clone"), "clone", None),
        (_BPF_RET_K, _RET_ALLOW, None, None),
        ("label", "clone"),
        (_BPF_LD_W_ABS, 16, None, None),
        (_BPF_JSET_K, _CLONE_THREAD, "allow", "deny"),
        ("label", "allow"),
        (_BPF_RET_K, _RET_ALLOW, None, None),
        ("label", "deny"),
        (_BPF_RET_K, _RET_ERRNO | _EPERM, None, None),
    ]
    return _assemble(src)


def forbid_new_processes() -> None:
    """From now on this process cannot start processes (threads are still allowed)."""
    _install(_no_processes_program())


def install_seccomp_filter() -> str:
    """Install the filter of :func:`_filter_program` on this process and its future children."""
    _install(_filter_program())
    return "seccomp"


def _install(prog: list[tuple[int, int, int, int]]) -> None:
    if _ARCH not in _AUDIT_ARCH:
        raise Unsupported(f"no seccomp filter for {_ARCH}")
    raw = b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
    libc = _libc()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    _check(libc.prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(fprog),
                      ctypes.c_ulong(0), ctypes.c_ulong(0)), "seccomp")
