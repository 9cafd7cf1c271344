"""The system calls student code may not make: a seccomp filter, built with
libseccomp through ctypes, that every process running a submission carries.

The filter allows every system call except the ones listed in ``DENIED``,
which fail with EPERM (``clone3`` fails with ENOSYS instead, so that the C
library falls back to ``clone``, whose flags the filter can read). The
per-submission template loads it after it has set itself up (namespaces,
uid, limits) and before it runs a cell; a seccomp filter cannot be removed
and is inherited by everything the process forks or executes, so the
notebook's workers and any process the student starts carry it too.

How the list was chosen. The default seccomp profile of container engines
(Docker/moby and Podman share it: ``profiles/seccomp/default.json``) is an
allowlist written for whole containers. We went through what it leaves out
(or allows only to a container given an extra capability) and kept, in our
own list, every call that

- reaches kernel state that is shared by the whole machine and that neither
  a namespace nor the end of the submission's processes clears: the kernel
  keyrings above all (a key outlives its process, and a later submission
  under the same sandbox uid could read it back), the clocks, swap, process
  accounting, quotas, kernel modules, kexec, reboot;
- makes or enters namespaces or changes mounts (the grader gives each
  submission its own namespaces; the submission must not undo or escape
  them), including ``clone`` with a namespace flag and the new mount API;
- looks into or controls another process: ptrace, process_vm_readv/writev,
  kcmp, pidfd_getfd, process_madvise;
- lets two submissions graded at the same time signal each other through
  what they share, read-only files and the page cache: file locks (flock,
  and fcntl's lock, lease and dnotify commands, by argument), inotify and
  fanotify, page-cache residency (mincore, cachestat) and eviction (fadvise,
  readahead, madvise's MADV_COLD and MADV_PAGEOUT, by argument);
- makes memory no per-process limit counts: memfd_create, memfd_secret;
- is a known way into the kernel's more fragile parts for code that has no
  need of it: bpf, perf_event_open, userfaultfd, io_uring, open_by_handle_at
  and name_to_handle_at, lookup_dcookie, syslog, iopl/ioperm, vm86, NUMA
  memory policy, personality changes (only the query ``personality(0xffffffff)``
  is allowed).

Calls a NumPy or matplotlib notebook may legitimately make (fork, threads,
signals, timers, files in its own folder, sockets it cannot use for lack of
a network) stay allowed: this is a denylist, so that ordinary code never
meets it. Names this machine's libseccomp does not know are skipped
(``Filter.skipped``); the list is checked against the running kernel's
numbers by libseccomp, not by us.
"""

from __future__ import annotations

import ctypes
import errno
import functools
from dataclasses import dataclass, field

# Reasons are for the reader; the filter uses the names.
DENIED: dict[str, str] = {}


def _deny(reason: str, names: str) -> None:
    for name in names.split():
        DENIED[name] = reason


_deny("kernel keyrings are shared by the machine and outlive the process",
      "add_key request_key keyctl")
_deny("namespaces and mounts are the grader's to set up",
      "unshare setns mount umount umount2 pivot_root chroot fsopen fsconfig fsmount fspick move_mount "
      "open_tree mount_setattr sethostname setdomainname")
_deny("another process's memory, files or identity",
      "ptrace process_vm_readv process_vm_writev kcmp pidfd_getfd process_madvise")
_deny("kernel code and kernel tracing",
      "bpf perf_event_open init_module finit_module delete_module create_module query_module get_kernel_syms "
      "kexec_load kexec_file_load lookup_dcookie syslog uselib _sysctl sysfs nfsservctl ustat")
_deny("the machine's clock, power, swap, accounting and quotas",
      "clock_settime clock_adjtime settimeofday stime adjtimex reboot swapon swapoff acct quotactl quotactl_fd "
      "vhangup")
_deny("raw hardware access and old execution modes", "iopl ioperm vm86 vm86old")
_deny("file handles bypass the sandbox's view of the filesystem", "open_by_handle_at name_to_handle_at")
_deny("kernel memory tricks that exploits rely on; NUMA placement",
      "userfaultfd mbind set_mempolicy set_mempolicy_home_node migrate_pages move_pages")
_deny("asynchronous I/O rings perform calls the filter never sees",
      "io_uring_setup io_uring_enter io_uring_register")
# Submissions graded at the same time share read-only files (the Python installation, NumPy) and the
# page cache: whatever one of them can set on such a file and another can observe is a channel between them.
_deny("locks, leases and change notifications on shared files carry bits between submissions",
      "flock inotify_init inotify_init1 inotify_add_watch fanotify_init fanotify_mark")
_deny("the page cache of shared files is observable (mincore, cachestat) and can be emptied (fadvise)",
      "mincore cachestat fadvise64 fadvise64_64 arm_fadvise64_64 readahead")
_deny("memory files are counted by no per-process limit",
      "memfd_create memfd_secret")

# fcntl() is needed (close-on-exec, non-blocking flags); the commands that lock or watch a file are not.
FCNTL_DENIED = {"F_GETLK": 5, "F_SETLK": 6, "F_SETLKW": 7, "F_OFD_GETLK": 36, "F_OFD_SETLK": 37,
                "F_OFD_SETLKW": 38, "F_SETLEASE": 1024, "F_GETLEASE": 1025, "F_NOTIFY": 1026}
# madvise() is needed (malloc frees memory with it); pushing a shared file's pages out is not.
MADVISE_DENIED = {"MADV_COLD": 20, "MADV_PAGEOUT": 21}

# clone() is allowed (fork and threads use it) unless it asks for a namespace.
CLONE_NAMESPACE_FLAGS = {
    "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
PERSONALITY_QUERY = 0xFFFFFFFF

_ACT_ALLOW = 0x7FFF0000
_ACT_ERRNO = 0x00050000
_CMP_NE = 1
_CMP_EQ = 4
_CMP_MASKED_EQ = 7
_ARCH_S390 = 0x00000016
_ARCH_S390X = 0x80000016
LIBRARIES = ("libseccomp.so.2", "libseccomp.so")


class SeccompUnavailable(Exception):
    """libseccomp cannot be loaded or cannot build the filter here."""


class _Compare(ctypes.Structure):  # struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


@dataclass
class Filter:
    """A filter built once (in the zygote) and loaded by each process that
    must carry it (a fork copies the built filter with the rest of memory)."""

    lib: ctypes.CDLL
    context: int
    denied: tuple[str, ...]
    skipped: tuple[str, ...] = field(default=())

    def load(self) -> None:
        """Install the filter on the calling thread; it cannot be undone.
        Also sets no_new_privs, as the kernel requires of an unprivileged caller."""
        result = self.lib.seccomp_load(self.context)
        if result != 0:
            raise OSError(-result, f"seccomp_load failed: {errno.errorcode.get(-result, result)}")

    def release(self) -> None:
        """Free the built filter (a loaded filter stays in force)."""
        if self.context:
            self.lib.seccomp_release(self.context)
            self.context = 0


@functools.cache
def _library() -> ctypes.CDLL:
    problems = []
    for name in LIBRARIES:
        try:
            lib = ctypes.CDLL(name, use_errno=True)
            break
        except OSError as error:
            problems.append(str(error))
    else:
        raise SeccompUnavailable("libseccomp (libseccomp.so.2) could not be loaded: " + "; ".join(problems))
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_Compare)]
    lib.seccomp_rule_add_array.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_load.restype = ctypes.c_int
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_arch_native.argtypes = []
    lib.seccomp_arch_native.restype = ctypes.c_uint32
    return lib


def build() -> Filter:
    """Build the filter (without loading it). SeccompUnavailable says why not."""
    with open("/proc/self/status") as status:
        if not any(line.startswith("Seccomp:") for line in status):
            raise SeccompUnavailable("this kernel has no seccomp support")
    lib = _library()
    context = lib.seccomp_init(_ACT_ALLOW)
    if not context:
        raise SeccompUnavailable("seccomp_init failed")
    denied, skipped = [], []

    def rule(name: str, error: int, *compares: _Compare) -> None:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # unknown here, or a call this architecture does not have
            skipped.append(name)
            return
        array = (_Compare * len(compares))(*compares) if compares else None
        result = lib.seccomp_rule_add_array(context, _ACT_ERRNO | error, number, len(compares), array)
        if result != 0:
            raise SeccompUnavailable(f"libseccomp refused the rule for {name} ({-result})")
        denied.append(name)

    for name in DENIED:
        rule(name, errno.EPERM)
    rule("personality", errno.EPERM, _Compare(0, _CMP_NE, PERSONALITY_QUERY, 0))
    for name in ("fcntl", "fcntl64"):  # fcntl64: the 32-bit architectures' name for it
        for command in FCNTL_DENIED.values():
            rule(name, errno.EPERM, _Compare(1, _CMP_EQ, command, 0))
    for advice in MADVISE_DENIED.values():
        rule("madvise", errno.EPERM, _Compare(2, _CMP_EQ, advice, 0))
    flags_at = 1 if lib.seccomp_arch_native() in (_ARCH_S390, _ARCH_S390X) else 0  # s390 swaps clone's arguments
    for flag in CLONE_NAMESPACE_FLAGS.values():
        rule("clone", errno.EPERM, _Compare(flags_at, _CMP_MASKED_EQ, flag, flag))
    rule("clone3", errno.ENOSYS)  # its flags live in memory the filter cannot read: glibc falls back to clone
    return Filter(lib, context, tuple(dict.fromkeys(denied)), tuple(dict.fromkeys(skipped)))


# Numbers of the calls the grader itself makes by number, where libseccomp is missing.
_NUMBERS = {"x86_64": {"keyctl": 250}, "aarch64": {"keyctl": 219}, "riscv64": {"keyctl": 219}}


@functools.cache
def syscall_number(name: str) -> int | None:
    """This architecture's number of a system call (None if unknown here)."""
    try:
        number = _library().seccomp_syscall_resolve_name(name.encode())
    except SeccompUnavailable:
        import platform

        number = _NUMBERS.get(platform.machine(), {}).get(name, -1)
    return number if number >= 0 else None


@functools.cache
def unavailable_reason() -> str:
    """Why this machine cannot filter student code's system calls ("" if it can)."""
    try:
        build().release()
    except (SeccompUnavailable, OSError) as error:
        return str(error)
    return ""
