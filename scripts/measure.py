#!/usr/bin/env python3
"""Whole-process measurements of soudan's dashboard next to calcurse, its peer
(a terminal calendar from Debian: apt install calcurse), with public tools only:
Python's pty module, /proc and the programs themselves.

For each size (bookings or appointments), each program is started in a
pseudo-terminal of 80x24 and measured for:
  - time to first frame: from start until its first screen has been written
    (the output goes quiet for 300 ms; that quiet time is not counted);
  - peak resident memory (VmHWM from /proc/PID/status) after the first frame;
  - bytes written for one cursor move (soudan: j, calcurse: j = next day in
    the calendar panel);
  - CPU time (utime + stime from /proc/PID/stat) over IDLE seconds of no input.

Usage: scripts/measure.py [--sizes 0,10000] [--idle 60] [--soudan PATH] [--runs 3] [--no-peer]
The soudan data is made with `soudan demo` (a configuration with more booths
for a million); calcurse gets the same number of appointments in its apts file.
"""

import argparse
import os
import pty
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROWS, COLS = 24, 80


def spawn(argv, env):
    pid, fd = pty.fork()
    if pid == 0:
        import fcntl, struct, termios
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        os.execvpe(argv[0], argv, env)
    return pid, fd


def read_until_quiet(fd, quiet=0.3, limit=300.0, at_least=0):
    """Reads until nothing comes for `quiet` seconds, once `at_least` bytes
    have come; returns (bytes, time of last byte)."""
    n, last, start = 0, time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            if n >= at_least:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        n += len(chunk)
        last = time.monotonic()
    return n, last


def vmhwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def measure(argv, env, key, quit_keys, idle):
    started = time.monotonic()
    pid, fd = spawn(argv, env)
    # A whole 80x24 screen is well over a thousand bytes; what comes before
    # (a program still loading) is not a frame.
    first_bytes, last = read_until_quiet(fd, at_least=1000)
    first_frame = last - started
    peak = vmhwm_kib(pid)
    os.write(fd, key)
    move_bytes, _ = read_until_quiet(fd)
    ticks = None
    if idle > 0:
        before = cpu_ticks(pid)
        time.sleep(idle)
        ticks = cpu_ticks(pid) - before
        read_until_quiet(fd, quiet=0.1)
    for k in quit_keys:
        os.write(fd, k)
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    os.close(fd)
    return first_frame, peak, first_bytes, move_bytes, ticks


def soudan_data(soudan, root, n):
    """A data dir with about n bookings from `soudan demo`."""
    env = dict(os.environ, SOUDAN_NOW="2026-12-03T10:40")
    data = os.path.join(root, f"soudan-{n}")
    config = None
    if n == 0:
        os.makedirs(data, exist_ok=True)
        return data, config, env
    # The built-in office has 2 booths and 13 slots a day, about 17 bookings
    # an open day in the sample; a million needs more booths.
    booths = 2 if n <= 60000 else 60
    days = max(1, round(n / (17 * booths / 2)))
    if booths > 2:
        builtin = subprocess.run([soudan, "config"], capture_output=True, text=True, check=True).stdout
        extra = "".join(
            f'\n[[booths]]\nnumber = {b}\nmeeting_url = "https://meeting.example.jp/booth-{b}?booking={{id}}"\n'
            for b in range(3, booths + 1)
        )
        i = builtin.index("[rules]")
        config = os.path.join(root, "office-60.toml")
        with open(config, "w") as f:
            f.write(builtin[:i] + extra + "\n" + builtin[i:])
        env["SOUDAN_CONFIG"] = config
    subprocess.run([soudan, "--data-dir", data, "demo", "--days", str(min(days, 5000))],
                   env=env, check=True, capture_output=True)
    return data, config, env


def calcurse_data(root, n):
    d = os.path.join(root, f"calcurse-{n}")
    os.makedirs(d, exist_ok=True)
    lines = []
    day, i = 0, 0
    starts = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30",
              "14:00", "14:30", "15:00", "15:30", "16:00"]
    import datetime
    base = datetime.date(2022, 10, 18)
    while i < n:
        date = base + datetime.timedelta(days=day)
        if date.weekday() < 5:
            for s in starts:
                for booth in (1, 2):
                    if i >= n:
                        break
                    h, m = map(int, s.split(":"))
                    e = f"{h + (m + 30) // 60:02d}:{(m + 30) % 60:02d}"
                    ds = date.strftime("%m/%d/%Y")
                    lines.append(f"{ds} @ {s} -> {ds} @ {e} |Consultation {i} booth {booth}\n")
                    i += 1
        day += 1
    with open(os.path.join(d, "apts"), "w") as f:
        f.writelines(lines)
    open(os.path.join(d, "todo"), "w").close()
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="0,10000")
    ap.add_argument("--idle", type=float, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-peer", action="store_true", help="measure soudan only")
    ap.add_argument("--soudan", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "soudan"))
    a = ap.parse_args()
    soudan = os.path.abspath(a.soudan)
    calcurse = shutil.which("calcurse")
    sizes = [int(s) for s in a.sizes.split(",")]
    root = tempfile.mkdtemp(prefix="soudan-measure-")
    print(f"80x24, median of {a.runs} runs; idle CPU over {a.idle:.0f} s (ticks of 1/100 s)")
    print(f"{'program':<10}{'items':>10}{'first frame':>14}{'peak RSS':>12}{'1st frame B':>13}{'move B':>9}{'idle ticks':>12}")
    for n in sizes:
        data, config, env = soudan_data(soudan, root, n)
        env = dict(env, TERM="xterm-256color", LANG="C.UTF-8")
        runs = [measure([soudan, "--data-dir", data], env, b"j", [b"q"], a.idle if r == 0 else 0)
                for r in range(a.runs)]
        report("soudan", n, runs)
        if calcurse and not a.no_peer:
            d = calcurse_data(root, n)
            cenv = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", HOME=root)
            runs = [measure([calcurse, "-D", d], cenv, b"j", [b"q", b"y"], a.idle if r == 0 else 0)
                    for r in range(a.runs)]
            report("calcurse", n, runs)
    shutil.rmtree(root, ignore_errors=True)


def report(name, n, runs):
    ff = statistics.median(r[0] for r in runs) * 1000
    peak = statistics.median(r[1] for r in runs) / 1024
    fb = int(statistics.median(r[2] for r in runs))
    mb = int(statistics.median(r[3] for r in runs))
    idle = runs[0][4]
    print(f"{name:<10}{n:>10}{ff:>11.1f} ms{peak:>8.1f} MiB{fb:>13}{mb:>9}{'' if idle is None else idle:>12}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
