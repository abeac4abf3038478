#!/usr/bin/env python3
"""Run a command under the W^X rule of systemd's MemoryDenyWriteExecute=yes.

    scripts/mdwe-exec.py COMMAND [ARG...]

Installs, then execs COMMAND under (both survive execve, as under systemd):

- the seccomp filter systemd 252 (Debian/Raspberry Pi OS bookworm) installs for
  MemoryDenyWriteExecute=yes, rule for rule (src/shared/seccomp-util.c): EPERM for mmap with
  PROT_WRITE|PROT_EXEC, for mprotect and pkey_mprotect with PROT_EXEC, for shmat with SHM_EXEC;
- the kernel's own PR_SET_MDWE (Linux >= 6.3, what newer systemd uses where it can), when this
  kernel has it; skipped with a note on stderr otherwise.

So a library that JIT-compiles, needs an executable stack or has text relocations fails here
as it would in the service. Needs libseccomp (libseccomp2, on every Debian) and Linux.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import mmap
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO_EPERM = 0x00050000 | errno.EPERM
SCMP_CMP_MASKED_EQ = 7
SHM_EXEC = 0o100000
PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


class ArgCmp(ctypes.Structure):
    """libseccomp's struct scmp_arg_cmp."""

    _fields_ = (
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    )


def install_seccomp_wx_filter() -> None:
    """Load systemd's MemoryDenyWriteExecute filter into this process (and its execs)."""
    name = ctypes.util.find_library("seccomp")
    if name is None:
        raise SystemExit("mdwe-exec: libseccomp not found (apt-get install libseccomp2)")
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    lib.seccomp_rule_add_array.argtypes = (
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(ArgCmp),
    )
    lib.seccomp_load.argtypes = (ctypes.c_void_p,)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)

    wx = mmap.PROT_WRITE | mmap.PROT_EXEC
    rules = [
        ("mmap", 2, wx),
        ("mmap2", 2, wx),
        ("mprotect", 2, mmap.PROT_EXEC),
        ("pkey_mprotect", 2, mmap.PROT_EXEC),
        ("shmat", 2, SHM_EXEC),
    ]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    try:
        for syscall, arg, mask in rules:
            number = lib.seccomp_syscall_resolve_name(syscall.encode())
            if number < 0:  # not on this architecture (mmap2 is 32-bit only)
                continue
            cmp = ArgCmp(arg, SCMP_CMP_MASKED_EQ, mask, mask)
            if lib.seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO_EPERM, number, 1, ctypes.byref(cmp)):
                raise SystemExit(f"mdwe-exec: cannot add the seccomp rule for {syscall}")
        if lib.seccomp_load(ctx):
            raise SystemExit("mdwe-exec: seccomp_load failed")
    finally:
        lib.seccomp_release(ctx)


def set_kernel_mdwe() -> bool:
    """PR_SET_MDWE(REFUSE_EXEC_GAIN); False when this kernel does not know it."""
    libc = ctypes.CDLL(None, use_errno=True)
    args = (ctypes.c_ulong(0),) * 3
    return libc.prctl(PR_SET_MDWE, ctypes.c_ulong(PR_MDWE_REFUSE_EXEC_GAIN), *args) == 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    install_seccomp_wx_filter()
    if not set_kernel_mdwe():
        print("mdwe-exec: this kernel has no PR_SET_MDWE; seccomp rule only", file=sys.stderr)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
