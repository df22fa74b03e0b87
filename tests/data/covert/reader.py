"""The agent's side of the covert channel (tests/security/test_covert_channel.py): in the
background, samples a host-wide counter and decodes ./compile's pulse-width code, writing the
bytes decoded so far, as hex, to OUT, and the number of pulses seen to OUT.pulses.
Usage: reader.py shm|cpu T_ms OUT.

shm: /proc/meminfo Shmem 64 MiB above its minimum of the last 2 s (a pulse: 128 MiB).
cpu: /proc/stat procs_running (runnable tasks, host-wide) 24 above its usual level."""
import sys
import time

mode, T, out = sys.argv[1], int(sys.argv[2]) / 1000, sys.argv[3]
# Widths (in T) above which a pulse is a start, a 1, a bit at all: ./compile sends (6, 1, 3)
# through memory (which fills and frees slowly: pulses look longer), (9, 2, 5) through CPU.
START, ONE, LEAST = (4.5, 2.3, 0.3) if mode == "shm" else (7.0, 3.5, 0.5)


def field(path, name):
    """The number after ``name`` in a /proc file (0 when it is not there, e.g. masked)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def samples():
    """(time, on) pairs."""
    if mode == "shm":
        recent = []  # (time, kB) over the last 2 s: its minimum is the baseline
        while True:
            time.sleep(0.002)
            now, cur = time.monotonic(), field("/proc/meminfo", "Shmem:")
            recent = [(t, v) for t, v in recent if t > now - 2.0] + [(now, cur)]
            yield now, cur - min(v for _t, v in recent) > 64 << 10
    recent = []  # runnable tasks over the last 3 s: their 20th percentile is the baseline
    while True:  # a count of the moment flickers: the median of the last 20 ms decides
        time.sleep(0.005)
        now, cur = time.monotonic(), field("/proc/stat", "procs_running")
        recent = [(t, v) for t, v in recent if t > now - 3.0] + [(now, cur)]
        low = sorted(v for _t, v in recent)[len(recent) // 5]
        tail = sorted(v for _t, v in recent[-4:])
        yield now, tail[len(tail) // 2] - low >= 24


decoded = bytearray()
pulses = 0
bits = None
since = 0.0
last = False
open(out, "w").close()
with open(out + ".pulses", "w") as f:
    f.write("0\n")
for now, on in samples():
    if on and not last:
        since = now
    elif last and not on:
        width = (now - since) / T
        if width > LEAST:
            pulses += 1
            with open(out + ".pulses", "w") as f:
                f.write(f"{pulses}\n")
        if width > START:
            bits = []
        elif bits is not None and width > LEAST:
            bits.append(1 if width > ONE else 0)
            if len(bits) == 8:
                decoded.append(int("".join(map(str, bits)), 2))
                bits = None
                with open(out, "w") as f:
                    f.write(decoded.hex() + "\n")
    last = on
