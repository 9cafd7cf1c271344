"""How the untrusted zygote process is started: inside bubblewrap when it is
available, otherwise as a plain process with a scrubbed environment.

Under bubblewrap the student's code sees a filesystem of its own: the
system's read-only libraries, the Python installation and this package's
engine, an empty private /tmp, and nothing else; no network; its own process
ids. Solutions, hidden tests, other submissions and the grader's outputs do
not exist there.

Either way, every submission is sealed from the ones graded before and after
it (child.py does it): IPC, UTS, mount and network namespaces of its own, a
read-only view of every filesystem but fresh private tmpfs on /tmp, /var/tmp,
/dev/shm and /run/lock, and a seccomp filter (seccomp.py) that refuses the
kernel keyrings and the other machine-wide state namespaces do not cover.
What this machine cannot seal is said in the isolation warning.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.engine import cgroups, seccomp

PACKAGE_ROOT = Path(autograder.__file__).resolve().parent
FIRST_UID = 61000  # student code runs as a uid of its own from here on when the grader is root


@dataclass(frozen=True)
class Isolation:
    kind: str  # "bwrap" or "process"
    warning: str = ""


@functools.cache
def bwrap_available() -> bool:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    try:
        probe = subprocess.run([bwrap, *_bwrap_args(), "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def choose_isolation(requested: str = "auto") -> Isolation:
    unsealed = " ".join(sealing_problems())
    if requested in ("auto", "bwrap") and sys.platform == "linux" and bwrap_available():
        return Isolation("bwrap", f"WARNING: {unsealed}" if unsealed else "")
    if requested == "bwrap":
        raise RuntimeError("bubblewrap (bwrap) is not available: install the 'bubblewrap' package")
    if requested == "process":
        reason = "process isolation was requested"
    else:
        reason = "bubblewrap is not installed" if not shutil.which("bwrap") else "bubblewrap did not start"
    return Isolation("process", f"WARNING: {reason}; student code runs with process isolation only "
                                "(own uid, limits, scrubbed environment) and can read files this machine's "
                                "permissions allow. Install bubblewrap for full isolation." +
                                (f" {unsealed}" if unsealed else ""))


@functools.cache
def sealing_problems() -> tuple[str, ...]:
    """What of the sealing of each submission (see the module's docstring)
    this machine cannot do, in the words of the isolation warning."""
    problems = []
    if sys.platform != "linux":
        return ("Submissions are not sealed from each other (this needs Linux).",)
    reason = seccomp.unavailable_reason()
    if reason:
        problems.append(f"No seccomp filter on student code ({reason}; install libseccomp2): it may use the kernel "
                        "keyrings, ptrace, mount and unshare, and a submission can leave data there for the next.")
    if cgroups.unavailable_reason():
        problems.append(f"Submissions get no control group ({cgroups.unavailable_reason()}): the memory limit "
                        "holds for each process alone, so a submission that forks, or keeps data in memory files, "
                        "may use more in all; the process limit still counts all its processes.")
    if not namespaces_possible():
        problems.append("Submissions do not get IPC, UTS, mount and network namespaces of their own (the grader "
                        "must run as root with CAP_SYS_ADMIN): those graded by one grader share System V IPC, "
                        "/tmp and /dev/shm, and what one leaves there is not proven gone.")
    return tuple(problems)


def namespaces_possible() -> bool:
    """Root with CAP_SYS_ADMIN: bubblewrap run by root keeps it for the zygote,
    and each template uses it (before dropping to the sandbox uid) to unshare."""
    if os.geteuid() != 0:
        return False
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> 21 & 1)  # CAP_SYS_ADMIN
    except (OSError, ValueError):
        pass
    return False


def expected_seals() -> str:
    """What the zygote must manage to seal, or refuse to start (sealing.SEAL_ENV)."""
    found = []
    if sys.platform == "linux" and not seccomp.unavailable_reason():
        found.append("seccomp")
    if sys.platform == "linux" and namespaces_possible():
        found.append("namespaces")
    return ",".join(found)


SCRATCH_MB = 256  # the sandbox's /tmp, where a submission's working folder lives: memory, so capped
UID_RANGE = 1000
UID_LOCKS = Path(tempfile.gettempdir()) / "autograder-uids"


@dataclass
class UidClaim:
    """A uid no other engine on this machine uses while the claim is held:
    the grader kills every process of that uid after each submission."""

    uid: int
    lock: object

    def release(self) -> None:
        self.lock.close()  # closing the file drops the flock


def claim_student_uid(slot: int) -> UidClaim | None:
    """None when the grader is not root: then student code keeps the grader's uid."""
    if os.geteuid() != 0:
        return None
    UID_LOCKS.mkdir(mode=0o755, exist_ok=True)
    for offset in range(UID_RANGE):
        uid = FIRST_UID + (slot + offset) % UID_RANGE
        lock = open(UID_LOCKS / str(uid), "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return UidClaim(uid, lock)
    raise RuntimeError(f"all {UID_RANGE} sandbox uids from {FIRST_UID} are in use")


def zygote_command(isolation: Isolation, fd: int, warm_up: bool = True) -> list[str]:
    run = [sys.executable, "-I", "-S", "-c", _BOOT, str(PACKAGE_ROOT.parent), str(fd),
           "warm" if warm_up else "cold"]
    if isolation.kind == "bwrap":
        return ["bwrap", *_bwrap_args(), *run, "own-pids"]  # --unshare-pid: a pid namespace of its own
    return run


# glibc's malloc hands arrays above its mmap threshold fresh pages from the kernel, and gives them back on
# free: a loop that makes a 2 MB array per step (the lecture's N=500 diagonal Jacobians) then pays a page
# fault per 4 KB every step, 178 ms instead of 19 ms for jacobians' 100-epoch logreg_train. Its own
# adjustment of the threshold did not catch up inside a batch of calls. Arrays under 32 MB come from the
# heap instead, which keeps up to 64 MB of freed memory for reuse (within the submission's memory limit).
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20)}


def zygote_environment() -> dict[str, str]:
    keep = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "AUTOGRADER_CHILD": "1",
            "AUTOGRADER_SEAL": expected_seals(),  # the zygote takes it out of its environment at once
            **MALLOC}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine-specific BLAS safety settings
        if name in os.environ:
            keep[name] = os.environ[name]
    return keep


# -I -S: ignore the environment and user site; the boot adds the interpreter's
# own site-packages, then exactly the folder that holds this package.
_BOOT = (
    "import site, sys; site.main(); sys.path.insert(0, sys.argv[1]); "
    "from autograder.engine.child import main; sys.argv = sys.argv[1:]; main()"
)


def _bwrap_args() -> list[str]:
    system = [Path(p) for p in ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/sbin", "/etc")]
    links = [p for p in system if p.is_symlink()]  # merged-/usr systems: /bin -> usr/bin
    readable = [p for p in system if p not in links]
    readable += [Path(sys.base_prefix), Path(sys.prefix), PACKAGE_ROOT]
    readable += [Path(p) for p in sys.path if p.endswith("-packages")]
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
            "--size", str(SCRATCH_MB * 2**20), "--tmpfs", "/tmp"]
    made: set[Path] = set()
    for path in _outermost(p.resolve() for p in readable if p.exists()):
        for parent in reversed(path.parents):  # bwrap would create these 0700: make them traversable
            if parent != Path("/") and parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
    for link in links:
        args += ["--symlink", os.readlink(link), str(link)]
    return args + ["--chdir", "/tmp"]


def _outermost(paths) -> list[Path]:
    """Drop paths that lie inside another path of the list."""
    unique = sorted(set(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in unique:
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept
