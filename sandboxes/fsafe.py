"""Host-side access to an agent's workspace that never follows a link the agent planted.

Every path is resolved *beneath a directory file descriptor* held on the workspace, one
syscall per open, with the kernel refusing symlinks, ``..`` escapes and mount crossings
(``openat2`` with ``RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
RESOLVE_NO_XDEV``). Where ``openat2`` is missing (kernels before 5.6, or a seccomp filter), each
component is opened with ``O_NOFOLLOW`` relative to the previous one, which is as strict and
only slower. Nothing here checks a path and then opens it by name, so a symlink swapped in
between a check and an open (the classic race) changes nothing.

Special files are never opened: a file is first opened with ``O_PATH`` (which has no side
effects, not even for a FIFO or a device), checked with ``fstat``, and only a regular file is
re-opened for reading through its own descriptor. Writes go to a fresh temporary file in the
same folder that then replaces the target with ``renameat``: a write never goes through an
existing hardlink or symlink.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

from sandboxes.base import PathOutsideWorkspace, SandboxError
from sandboxes.fspath import (
    _DIR,
    HAVE_OPENAT2,
    O_PATH,
    BadPath,
    LinkRefused,
    NotRegular,
    Refused,
    TooLarge,
    open_beneath,
    reopen,
    show,
    split_path,
)
from sandboxes.fswalk import (
    Entry,
    WalkDir,
    Walker,
    WalkSkip,
    _entry,
    kind_name,
    list_fd,
    open_child_dir,
    open_child_file,
)

# The parts, importable from here too (the module's public surface).
__all__ = ["HAVE_OPENAT2", "O_PATH", "BadPath", "Entry", "LinkRefused", "NotRegular", "Refused",
           "TooLarge", "WalkDir", "WalkSkip", "Walker", "WorkspaceDir", "fmt_size", "kind_name",
           "list_fd", "open_beneath", "open_child_dir", "open_child_file", "reopen", "show",
           "split_path"]
class WorkspaceDir:
    """A workspace folder held by a descriptor; every method takes workspace paths.

    ``owner`` (a uid) is given to everything created, as the sandbox's user must own what the
    host writes for it (the Docker backend when the harness runs as root).
    """

    def __init__(self, root: Path, workdir: str = "/workspace", owner: int | None = None,
                 use_openat2: bool | None = None, fd: int | None = None) -> None:
        self.root = Path(root)
        self.workdir = workdir
        self.owner = owner
        self.use_openat2 = HAVE_OPENAT2 if use_openat2 is None else use_openat2
        # The root itself is the harness's own folder; it is opened once, and only its
        # descriptor is used from then on (a later swap of the path changes nothing).
        self.fd = fd if fd is not None else os.open(self.root, _DIR | os.O_NOFOLLOW)

    def sub(self, path: str) -> WorkspaceDir:
        """The folder at ``path`` (made if missing) as a WorkspaceDir of its own."""
        parts = self.parts(path)
        fd = self.makedirs(parts)
        return WorkspaceDir(self.root.joinpath(*map(os.fsdecode, parts)), "/", self.owner,
                            self.use_openat2, fd=fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> WorkspaceDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- resolution --------------------------------------------------------------------------
    def parts(self, path: str) -> tuple[bytes, ...]:
        return split_path(path, self.workdir)

    def _open(self, parts: tuple[bytes, ...], flags: int, mode: int = 0) -> int:
        """Open ``parts`` beneath the root: no symlink anywhere, no ``..``, no mount crossed."""
        if self.fd < 0:
            raise SandboxError("the workspace is closed")
        try:
            return open_beneath(self.fd, parts, flags, mode, self.use_openat2)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR, errno.EXDEV):
                self._explain(parts, e)
                self._raced(parts, e)
            raise

    def _raced(self, parts: tuple[bytes, ...], err: OSError) -> None:
        """The kernel met a link (or a non-folder) that was gone when we looked again: the
        tree changed under us. A link is the likely cause; refuse as for one."""
        if err.errno in (errno.ELOOP, errno.ENOTDIR):
            raise LinkRefused(f"{show(parts)}: a symlink (or a file where a folder should be) "
                              "was on the way while it was opened; the file tools never "
                              "follow symlinks, which could lead outside the workspace")

    def _explain(self, parts: tuple[bytes, ...], err: OSError) -> None:
        """Turn a refused resolution into a message naming the link (informational lstat)."""
        cur = os.dup(self.fd)
        try:
            for i, comp in enumerate(parts):
                try:
                    st = os.lstat(comp, dir_fd=cur)
                except OSError:
                    return
                here = show(parts[: i + 1])
                if stat.S_ISLNK(st.st_mode):
                    try:
                        target = os.fsdecode(os.readlink(comp, dir_fd=cur))
                    except OSError:
                        target = "?"
                    raise LinkRefused(
                        f"{show(parts)}: {here} is a symlink (to {target!r}); the file tools "
                        "never follow symlinks, which could lead outside the workspace: use the "
                        "path it points to, or bash") from None
                if err.errno == errno.EXDEV:
                    continue
                if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, f"{here} is not a folder")
                if i < len(parts) - 1:
                    try:
                        nxt = os.open(comp, _DIR | os.O_NOFOLLOW, dir_fd=cur)
                    except OSError:
                        return  # changed again meanwhile: the caller reports a race
                    os.close(cur)
                    cur = nxt
            if err.errno == errno.EXDEV:
                raise PathOutsideWorkspace(f"{show(parts)} crosses a mount point: outside the "
                                           "workspace")
        finally:
            os.close(cur)

    # -- queries ---------------------------------------------------------------------------
    def lstat(self, path: str) -> Entry | None:
        """The entry at ``path`` (a link is described, not followed); None if absent."""
        parts = self.parts(path)
        try:
            pfd = self._open(parts, O_PATH | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            return _entry(parts[-1] if parts else b".", os.fstat(pfd))
        finally:
            os.close(pfd)

    def _regular(self, path: str) -> tuple[int, os.stat_result]:
        """An ``O_PATH`` descriptor of the regular file at ``path`` and its stat."""
        parts = self.parts(path)
        pfd = self._open(parts, O_PATH | os.O_CLOEXEC)
        st = os.fstat(pfd)
        if not stat.S_ISREG(st.st_mode):
            os.close(pfd)
            # (O_PATH|O_NOFOLLOW hands back a final symlink itself: refused as a link)
            self._refuse_non_regular(parts, st)
        return pfd, st

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        """The bytes of a regular file; TooLarge past ``limit`` bytes."""
        pfd, st = self._regular(path)
        try:
            if limit is not None and st.st_size > limit:
                raise TooLarge(f"{path} is {fmt_size(st.st_size)}, over the {fmt_size(limit)} "
                               "a tool reads at once: page through it with read_log, or use "
                               "bash")
            fd = reopen(pfd)
        finally:
            os.close(pfd)
        with open(fd, "rb") as f:
            data = f.read() if limit is None else f.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise TooLarge(f"{path} grew past {fmt_size(limit)} while being read")
        return data

    def open_read(self, path: str) -> BinaryIO:
        """A binary reader on a regular file (for streaming through big files)."""
        pfd, _st = self._regular(path)
        try:
            fd = reopen(pfd)
        finally:
            os.close(pfd)
        return open(fd, "rb")

    def is_dir(self, path: str) -> bool:
        ent = self.lstat(path)
        return ent is not None and ent.is_dir

    def open_dir(self, path: str) -> int:
        """A descriptor on the folder at ``path`` for listing or walking."""
        parts = self.parts(path)
        try:
            return self._open(parts, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NONBLOCK)
        except NotADirectoryError:
            raise NotADirectoryError(errno.ENOTDIR, f"{show(parts)} is not a folder") from None

    # -- writes ----------------------------------------------------------------------------
    def makedirs(self, parts: tuple[bytes, ...]) -> int:
        """Create the folders ``parts`` (as needed) beneath the root; return an O_PATH fd on
        the last. A component that is a link or a file is refused, never followed."""
        cur = os.dup(self.fd)
        try:
            for i, comp in enumerate(parts):
                for attempt in range(3):  # made, then removed or renamed before we opened it
                    made = False
                    try:
                        os.mkdir(comp, 0o755, dir_fd=cur)
                        made = True
                    except FileExistsError:
                        pass
                    try:
                        nxt = os.open(comp, _DIR | os.O_NOFOLLOW, dir_fd=cur)
                        break
                    except FileNotFoundError:
                        if attempt == 2:
                            raise
                    except OSError as e:
                        if e.errno in (errno.ELOOP, errno.ENOTDIR):
                            self._explain(parts[: i + 1], e)
                            self._raced(parts[: i + 1], e)
                        raise
                if made and self.owner is not None:
                    os.chown(comp, self.owner, self.owner, dir_fd=cur, follow_symlinks=False)
                os.close(cur)
                cur = nxt
            return cur
        except BaseException:
            os.close(cur)
            raise

    def write_bytes(self, path: str, data: bytes) -> None:
        """Create or overwrite a regular file, never through a link.

        A new file is created with ``O_EXCL|O_NOFOLLOW``. An existing one is written in place
        only when it is a regular file with no other hardlink (checked on its own descriptor,
        then re-opened through it); a file with several links is replaced by a renamed temp
        file, so the other names keep their content. A link, folder or special file at the
        target is refused.
        """
        parts = self.parts(path)
        if not parts:
            raise IsADirectoryError(errno.EISDIR, "the workspace itself is a folder")
        name = parts[-1]
        dfd = self.makedirs(parts[:-1])
        try:
            for _attempt in range(3):
                try:
                    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                 | os.O_CLOEXEC, 0o644, dir_fd=dfd)
                except FileExistsError:
                    pass
                else:
                    try:
                        if self.owner is not None:
                            os.fchown(fd, self.owner, self.owner)
                        _write_all(fd, data)
                    finally:
                        os.close(fd)
                    return
                try:
                    pfd = os.open(name, O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
                except FileNotFoundError:
                    continue  # removed meanwhile: create it
                try:
                    st = os.fstat(pfd)
                    self._refuse_non_regular(parts, st)
                    if st.st_nlink > 1:
                        self._replace(dfd, name, data, st)
                        return
                    fd = reopen(pfd, os.O_WRONLY | os.O_CLOEXEC | os.O_NOCTTY)
                finally:
                    os.close(pfd)
                try:
                    # Overwrite, then cut to size: an O_TRUNC to zero would make ext4 flush
                    # the file at close (its replace-via-truncate heuristic), ~2 ms a write.
                    _write_all(fd, data)
                    os.ftruncate(fd, len(data))
                finally:
                    os.close(fd)
                return
            raise Refused(f"{show(parts)} kept changing while being written")
        finally:
            os.close(dfd)

    def _refuse_non_regular(self, parts: tuple[bytes, ...], st: os.stat_result) -> None:
        if stat.S_ISREG(st.st_mode):
            return
        if stat.S_ISLNK(st.st_mode):
            self._explain(parts, OSError(errno.ELOOP, "link"))
            raise LinkRefused(f"{show(parts)} is a symlink: the file tools never follow one")
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, f"{show(parts)} is a folder")
        raise NotRegular(f"{show(parts)} is a {kind_name(st.st_mode)}, not a regular file: "
                         "the file tools only read and write regular files")

    def _replace(self, dfd: int, name: bytes, data: bytes, old: os.stat_result) -> None:
        """Write a temp file beside ``name`` and rename it over (breaks hardlinks)."""
        tmp = b"." + name[:200] + b".ultrarun-" + secrets.token_hex(4).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dfd)
        try:
            try:
                _write_all(fd, data)
                if os.geteuid() == 0:
                    os.fchown(fd, old.st_uid, old.st_gid)
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
            finally:
                os.close(fd)
            os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
            raise

    def symlink(self, parts: tuple[bytes, ...], target: bytes) -> None:
        """A new symlink (its target is only text here: it is never followed)."""
        dfd = self.makedirs(parts[:-1])
        try:
            os.symlink(target, parts[-1], dir_fd=dfd)
            if self.owner is not None:
                os.chown(parts[-1], self.owner, self.owner, dir_fd=dfd, follow_symlinks=False)
        finally:
            os.close(dfd)

    def remove_children(self, keep: frozenset[bytes] = frozenset()) -> None:
        """Delete everything in the root except the names in ``keep`` (links are removed, not
        followed; ``shutil.rmtree`` with a ``dir_fd`` is itself descriptor-based)."""
        import shutil

        dfd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=self.fd)
        try:
            for ent in list_fd(dfd):
                if ent.name in keep:
                    continue
                if ent.is_dir:
                    shutil.rmtree(os.fsdecode(ent.name), dir_fd=dfd)
                else:
                    try:
                        os.unlink(ent.name, dir_fd=dfd)
                    except FileNotFoundError:
                        pass
        finally:
            os.close(dfd)

    def chown_tree(self, uid: int, gid: int | None = None) -> None:
        """Give the whole tree to ``uid`` (links themselves, never their targets)."""
        gid = uid if gid is None else gid
        if os.fstat(self.fd).st_uid != uid:
            os.chown(".", uid, gid, dir_fd=self.fd, follow_symlinks=False)
        for d in Walker().walk(self.fd):
            for ent in d.entries:
                if ent.uid != uid:
                    try:
                        os.chown(ent.name, uid, gid, dir_fd=d.fd, follow_symlinks=False)
                    except FileNotFoundError:
                        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fmt_size(n: float) -> str:
    """``1.5 GiB``, ``300 MiB``, ``12 KiB``, ``512 B``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{int(n)} B"
