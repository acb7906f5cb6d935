# SPDX-License-Identifier: GPL-2.0
"""What every part of the harness shares: paths, logging, commands
and the cache locks."""

import fcntl
import os
import subprocess
import sys


QEMU_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(QEMU_DIR))
CONFIG_DIR = os.path.join(QEMU_DIR, 'config')
CACHE = os.environ.get('KVMMU_CACHE', '/var/cache/kvmmu')
OUT = os.environ.get('KVMMU_OUT', os.path.join(REPO, 'out'))
JOBS = str((os.cpu_count() or 1) + 1)


def log(msg):
    print(f'[harness] {msg}', file=sys.stderr, flush=True)


class HarnessError(Exception):
    pass


def run(cmd, logfile=None, **kw):
    """Run @cmd; on failure raise with the tail of its output."""
    if logfile:
        with open(logfile, 'w') as f:
            r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw)
        if r.returncode:
            with open(logfile, errors='replace') as f:
                tail = ''.join(f.readlines()[-30:])
            raise HarnessError(f'{" ".join(cmd)} failed ({r.returncode}), '
                               f'log {logfile}:\n{tail}')
        return r
    r = subprocess.run(cmd, **kw)
    if r.returncode:
        raise HarnessError(f'{" ".join(cmd)} failed ({r.returncode})')
    return r


def capture(cmd):
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout.strip()


class Lock:
    """An flock on a file in the cache, so concurrent runs don't race."""

    def __init__(self, name):
        os.makedirs(os.path.join(CACHE, 'locks'), exist_ok=True)
        self.path = os.path.join(CACHE, 'locks', name)

    def __enter__(self):
        self.f = open(self.path, 'w')
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def setup():
    """Install missing packages (tests/setup.sh is idempotent)."""
    run(['bash', os.path.join(REPO, 'tests', 'setup.sh')])
