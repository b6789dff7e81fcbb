"""What the benchmarks read of a process from /proc: its CPU time and its memory.

Imported by the benchmark scripts, which run as files (``python bench/ingest.py``), so
this folder is on their import path.
"""

from __future__ import annotations

import os
from pathlib import Path


def _stat(pid: int | None) -> list[str] | None:
    """Return the fields of /proc/PID/stat after the command name, or None if it is gone."""
    if pid is None:
        return None
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def cpu_seconds(pid: int | None) -> float:
    """Return the user + system CPU time a process has used so far (0 if it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def reaped_cpu_seconds(pid: int | None) -> float:
    """Return the user + system CPU time of the children a process has waited for (0 if it
    is gone): for the store server, the rewrites of its append-only file, which it forks."""
    fields = _stat(pid)
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def status_mb(pid: int | None, field: str) -> float | None:
    """Return a memory figure of /proc/PID/status (VmHWM: peak RSS, VmRSS: now) in MB,
    rounded, or None if the process is gone."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return None
