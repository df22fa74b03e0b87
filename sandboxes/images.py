"""Images without a registry: the base image and scenario images, built locally and cached.

The base image ``ultrarun/base:bookworm`` starts from ``debian:bookworm-slim`` when a registry
answers; otherwise from a root filesystem bootstrapped with Debian's ``debootstrap`` and
``docker import``-ed. Every image carries a content hash label; an image whose label matches is
never rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import DockerException, ImageNotFound

from sandboxes.errors import HarnessError

BASE_IMAGE = "ultrarun/base:bookworm"
ROOTFS_IMAGE = "ultrarun/rootfs:bookworm"
UPSTREAM_IMAGE = "debian:bookworm-slim"
HASH_LABEL = "ultrarun.content-hash"
DEFAULT_MIRROR = "http://deb.debian.org/debian"

# What agents and graders need: a C toolchain (as, ld, gcc), make, git, python3, and ps.
BASE_PACKAGES = ["gcc", "libc6-dev", "binutils", "make", "git", "python3", "procps",
                 "ca-certificates", "file", "patch", "bc"]

AGENT_UID = 1000

BASE_DOCKERFILE = """\
FROM {rootfs}
RUN set -e; if ! command -v gcc >/dev/null || ! command -v git >/dev/null; then \\
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      {packages} && rm -rf /var/lib/apt/lists/*; fi
RUN set -e; groupadd -g {uid} agent; useradd -m -u {uid} -g {uid} -s /bin/bash agent; \\
    chmod 1777 /home/agent; mkdir -p /workspace; chown {uid}:{uid} /workspace
ENV LANG=C.UTF-8 HOME=/home/agent
WORKDIR /workspace
USER agent
"""

Progress = Callable[[str], None]


class ImageBuildError(HarnessError):
    """An image could not be built; the message says which step and what to do."""


def content_hash(*parts: str | bytes) -> str:
    """A short hex digest of the parts (image content labels)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()[:16]


def base_dockerfile(rootfs: str) -> str:
    """The Dockerfile that layers the toolchain and the ``agent`` user on a Debian rootfs."""
    return BASE_DOCKERFILE.format(rootfs=rootfs, packages=" ".join(BASE_PACKAGES), uid=AGENT_UID)


def image_hash(client: docker.DockerClient, tag: str) -> str | None:
    """The content hash label of a local image, or None if the image is absent."""
    try:
        img = client.images.get(tag)
    except ImageNotFound:
        return None
    return (img.labels or {}).get(HASH_LABEL, "")


def host_debian_mirror() -> str:
    """The Debian mirror the host's apt uses, so debootstrap fetches from the same place."""
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        try:
            text = path.read_text()
        except OSError:
            continue
        for m in re.finditer(r"^\s*(?:URIs:|deb)\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.M):
            uri = m.group(1).rstrip("/")
            if "security" not in uri and uri.startswith("http"):
                return uri
    return DEFAULT_MIRROR


def try_pull(client: docker.DockerClient, ref: str, timeout: float) -> bool:
    """Pull ``ref`` if a registry answers within ``timeout`` seconds."""
    result: list[bool] = []

    def pull() -> None:
        try:
            client.images.pull(ref)
            result.append(True)
        except DockerException:
            result.append(False)

    t = threading.Thread(target=pull, daemon=True)
    t.start()
    t.join(timeout)
    return bool(result and result[0])


def debootstrap_rootfs(client: docker.DockerClient, progress: Progress,
                       mirror: str | None = None) -> None:
    """Bootstrap Debian bookworm (minbase + toolchain) into a folder and ``docker import`` it."""
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            "No registry answered for debian:bookworm-slim and `debootstrap` is not installed. "
            "Install it (`apt-get install debootstrap`) or make `docker pull "
            "debian:bookworm-slim` work, then run `ultrarun sandbox build` again.")
    if os.geteuid() != 0:
        raise ImageBuildError(
            "No registry answered for debian:bookworm-slim and debootstrap needs root. Run "
            "`sudo ultrarun sandbox build` once (the image is cached afterwards), or use "
            "`--sandbox local`.")
    mirror = mirror or host_debian_mirror()
    with tempfile.TemporaryDirectory(prefix="ultrarun-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
               "bookworm", str(root), mirror]
        progress(f"debootstrap bookworm from {mirror}")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        tail: list[str] = []
        for line in proc.stdout:
            tail = [*tail[-20:], line.rstrip()]
            progress(line.strip()[:100])
        if proc.wait() != 0:
            raise ImageBuildError("debootstrap failed (last lines below); check that the "
                                  f"mirror {mirror} is reachable:\n" + "\n".join(tail))
        # Trim what a sandbox never needs, to keep the image small.
        for sub in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                    "usr/share/man", "usr/share/locale"):
            shutil.rmtree(root / sub, ignore_errors=True)
        progress("packing the root filesystem")
        tar_path = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(tar_path), "."],
                       check=True)
        progress("docker import")
        repo, tag = ROOTFS_IMAGE.split(":")
        client.api.import_image_from_file(str(tar_path), repository=repo, tag=tag)


def build_image(client: docker.DockerClient, tag: str, content_hash: str, progress: Progress, *,
                dockerfile_text: str | None = None, context: Path | None = None,
                dockerfile: str = "Dockerfile") -> None:
    """``docker build`` either a Dockerfile text alone or a context folder, streaming progress."""
    labels = {HASH_LABEL: content_hash, "ultrarun.managed": "true"}
    # Host networking: package installs in a build must reach the same mirror the host does.
    kwargs = dict(tag=tag, labels=labels, rm=True, forcerm=True, decode=True, network_mode="host")
    if dockerfile_text is not None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            data = dockerfile_text.encode()
            info = tarfile.TarInfo("Dockerfile")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        buf.seek(0)
        stream = client.api.build(fileobj=buf, custom_context=True, **kwargs)
    else:
        stream = client.api.build(path=str(context), dockerfile=dockerfile, **kwargs)
    _consume_build(stream, tag, progress)


def _consume_build(stream: object, tag: str, progress: Progress) -> None:
    log: list[str] = []
    for chunk in stream:  # type: ignore[attr-defined]
        if "error" in chunk:
            raise ImageBuildError(f"building {tag} failed: {chunk['error'].strip()}\n"
                                  + "".join(log[-15:]))
        line = chunk.get("stream", "")
        if line.strip():
            log.append(line)
            progress(line.strip()[:100])


def ensure_base_image(client: docker.DockerClient, progress: Progress, *,
                      force: bool = False, pull_timeout: float = 20) -> bool:
    """Make sure ``ultrarun/base:bookworm`` exists and is current. Returns True if it built."""
    want = content_hash(base_dockerfile("<rootfs>"), "v1")
    if not force and image_hash(client, BASE_IMAGE) == want:
        return False
    rootfs = _ensure_rootfs(client, progress, pull_timeout)
    progress(f"building {BASE_IMAGE} from {rootfs}")
    build_image(client, BASE_IMAGE, want, progress, dockerfile_text=base_dockerfile(rootfs))
    return True


def _ensure_rootfs(client: docker.DockerClient, progress: Progress, pull_timeout: float) -> str:
    for ref in (ROOTFS_IMAGE, UPSTREAM_IMAGE):
        if image_hash(client, ref) is not None:
            return ref
    progress(f"trying to pull {UPSTREAM_IMAGE} ({pull_timeout:.0f} s at most)")
    if try_pull(client, UPSTREAM_IMAGE, pull_timeout):
        return UPSTREAM_IMAGE
    progress("no registry answered: bootstrapping Debian with debootstrap")
    debootstrap_rootfs(client, progress)
    return ROOTFS_IMAGE


def context_hash(context: Path, dockerfile_text: str, base_id: str) -> str:
    """Hash of a build context (every file's path and bytes), its Dockerfile and base image."""
    parts: list[str | bytes] = [dockerfile_text, base_id]
    for p in sorted(context.rglob("*")):
        if p.is_file():
            parts += [str(p.relative_to(context)), p.read_bytes()]
    return content_hash(*parts)


def ensure_scenario_image(client: docker.DockerClient, name: str, context: Path,
                          dockerfile: str, progress: Progress) -> str:
    """Build a scenario's image from its Dockerfile (cached by content); return its tag."""
    text = (context / dockerfile).read_text()
    base = client.images.get(BASE_IMAGE).id if image_hash(client, BASE_IMAGE) is not None else ""
    digest = context_hash(context, text, base)
    tag = f"ultrarun/scenario-{name}:{digest}"
    if image_hash(client, tag) == digest:
        return tag
    progress(f"building {tag}")
    build_image(client, tag, digest, progress, context=context, dockerfile=dockerfile)
    return tag
