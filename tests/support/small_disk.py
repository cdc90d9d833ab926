"""A real, small filesystem that can be filled: a tmpfs mounted in a private mount namespace.

A sleeping holder process owns the namespace (`unshare -m`, or `unshare -Urm` as a user where
unprivileged user namespaces are allowed); commands run inside it through `wrap(argv)`
(`nsenter`), so `monitor` sees the tmpfs at `path` while the test's servers stay on the
shared loopback. The test reaches the files through /proc/HOLDER/root. Nothing outside the
namespace is mounted or changed, and the tmpfs goes away with the holder.

    disk = SmallDisk(tmp_path / "disk", size_kb=2048).start()   # or pytest.skip(disk.why)
    run_cli("poll", cwd=tmp_path, wrap=disk.wrap)
    disk.fill(); ...; disk.free(); disk.stop()
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


class SmallDisk:
    def __init__(self, path: Path, size_kb: int) -> None:
        self.path = Path(path)
        self.size_kb = size_kb
        self.holder: subprocess.Popen | None = None
        self.userns = os.geteuid() != 0
        self.why = ""  # why it could not start

    def start(self) -> "SmallDisk | None":
        """Mount the tmpfs; None (with `why` set) where namespaces are not available."""
        if not (shutil.which("unshare") and shutil.which("nsenter")):
            self.why = "unshare/nsenter are not installed"
            return None
        self.path.mkdir(parents=True, exist_ok=True)
        unshare = ["unshare", "-Urm"] if self.userns else ["unshare", "-m"]
        # The holder mounts the tmpfs itself, inside the namespace it has just made: the mount
        # can never land in the tests' own namespace.
        script = (f"mount -t tmpfs -o size={self.size_kb}k,mode=0755 tmpfs \"$1\" "
                  f"&& echo mounted && exec sleep 3600")
        self.holder = subprocess.Popen([*unshare, "--propagation", "private", "sh", "-c",
                                        script, "sh", str(self.path)],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        assert self.holder.stdout is not None and self.holder.stderr is not None
        if self.holder.stdout.readline().strip() != "mounted":
            self.why = ("cannot mount a tmpfs in a private namespace: "
                        + self.holder.stderr.read().strip())
            self.stop()
            return None
        assert not self._mounted_here(), "the tmpfs leaked into the tests' namespace"
        return self

    def _mounted_here(self) -> bool:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            return any(line.split()[1] == str(self.path.resolve()) for line in mounts)

    def wrap(self, argv: list[str], cwd: Path | None = None) -> list[str]:
        """`argv` run inside the namespace (in `cwd`, default: the caller's directory)."""
        assert self.holder is not None and self.holder.poll() is None, "the holder is gone"
        enter = ["nsenter", "-t", str(self.holder.pid), "-m"]
        if self.userns:
            enter += ["-U", "--preserve-credentials"]
        return [*enter, f"--wd={cwd or os.getcwd()}", "--", *argv]

    def inside(self, path: Path) -> Path:
        """Where the test sees `path` as the namespace sees it."""
        assert self.holder is not None
        return Path(f"/proc/{self.holder.pid}/root") / Path(path).resolve().relative_to("/")

    def fill(self) -> None:
        """Write a filler file until the filesystem refuses (ENOSPC)."""
        # Only ever fill the small filesystem: never the disk the tests run on.
        st = os.statvfs(self.inside(self.path))
        assert st.f_blocks * st.f_frsize <= self.size_kb * 1024, "not the small tmpfs"
        fd = os.open(self.inside(self.path / "filler"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        block = b"\0" * 4096
        try:
            for _ in range(self.size_kb // 4 + 1):
                os.write(fd, block)
            raise AssertionError("the small filesystem took more than its size")
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC
        finally:
            os.close(fd)

    def free(self) -> None:
        self.inside(self.path / "filler").unlink(missing_ok=True)

    def available_bytes(self) -> int:
        st = os.statvfs(self.inside(self.path))
        return st.f_bavail * st.f_frsize

    def stop(self) -> None:
        if self.holder is not None:
            if self.holder.poll() is None:
                self.holder.kill()
            self.holder.communicate()
