"""Copying a tree that may be hostile: descriptor-based on both sides, streamed, no link
followed, special files left out (the grader's copy of a workspace, uploads, downloads)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from sandboxes.fsafe import (
    Walker,
    WalkSkip,
    WorkspaceDir,
    fmt_size,
    kind_name,
    open_child_file,
)


@dataclass
class CopyReport:
    """What ``copy_tree`` copied and what it left out (with reasons)."""

    files: int = 0
    bytes: int = 0
    skipped: list[WalkSkip] = field(default_factory=list)


def _copy_fd(src: int, dst: int, size: int) -> int:
    done = 0
    while done < size:
        try:
            n = os.sendfile(dst, src, done, min(size - done, 1 << 24))
        except OSError:
            n = 0
        if n == 0:  # sendfile unsupported, or the file shrank: finish by reading
            os.lseek(src, done, os.SEEK_SET)
            while done < size:
                chunk = os.read(src, min(size - done, 1 << 20))
                if not chunk:
                    break
                os.write(dst, chunk)
                done += len(chunk)
            break
        done += n
    return done


def copy_tree(src_fd: int, dst: WorkspaceDir, *, skip: frozenset[bytes] = frozenset(),
              max_file: int | None = None, replace: bool = False) -> CopyReport:
    """Copy the tree under ``src_fd`` into ``dst`` without following a link on either side.

    Regular files are copied (streamed), symlinks re-created as links, folders made; FIFOs,
    sockets, devices, names in ``skip`` and files over ``max_file`` bytes are left out and
    reported. With ``replace`` an existing non-folder entry in ``dst`` is replaced.
    """
    rep = CopyReport()
    walker = Walker(skip=skip)
    for d in walker.walk(src_fd):
        base = tuple(p for p in d.rel.split(b"/") if p)
        ddir = dst.makedirs(base)
        try:
            for e in d.entries:
                rel = d.rel + e.name
                if e.name in skip:
                    rep.skipped.append(WalkSkip(rel, "left out by name"))
                    continue
                if e.is_dir:
                    try:
                        os.mkdir(e.name, 0o755, dir_fd=ddir)
                        if dst.owner is not None:
                            os.chown(e.name, dst.owner, dst.owner, dir_fd=ddir,
                                     follow_symlinks=False)
                    except FileExistsError:
                        pass
                    continue
                if not (e.is_file or e.is_link):
                    rep.skipped.append(WalkSkip(rel, f"a {kind_name(e.mode)}"))
                    continue
                if e.is_file and max_file is not None and e.size > max_file:
                    rep.skipped.append(WalkSkip(rel, f"{fmt_size(e.size)}, over the "
                                                f"{fmt_size(max_file)} per-file cap"))
                    continue
                if replace:
                    try:
                        os.unlink(e.name, dir_fd=ddir)
                    except (FileNotFoundError, IsADirectoryError, PermissionError):
                        pass
                try:
                    if e.is_link:
                        os.symlink(os.readlink(e.name, dir_fd=d.fd), e.name, dir_fd=ddir)
                        if dst.owner is not None:
                            os.chown(e.name, dst.owner, dst.owner, dir_fd=ddir,
                                     follow_symlinks=False)
                        continue
                    sfd = open_child_file(d.fd, e.name)
                    if sfd is None:
                        rep.skipped.append(WalkSkip(rel, "changed or unreadable"))
                        continue
                    try:
                        size = os.fstat(sfd).st_size
                        if max_file is not None and size > max_file:
                            rep.skipped.append(WalkSkip(rel, "grew past the per-file cap"))
                            continue
                        out = os.open(e.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                      | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=ddir)
                        try:
                            rep.bytes += _copy_fd(sfd, out, size)
                            os.fchmod(out, stat.S_IMODE(e.mode) & 0o777)
                            if dst.owner is not None:
                                os.fchown(out, dst.owner, dst.owner)
                        finally:
                            os.close(out)
                        rep.files += 1
                    finally:
                        os.close(sfd)
                except OSError as err:
                    rep.skipped.append(WalkSkip(rel, f"not copied ({err.strerror})"))
        finally:
            os.close(ddir)
    rep.skipped.extend(walker.skipped)
    return rep
