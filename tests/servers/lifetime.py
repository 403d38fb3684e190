"""How every test server of this directory ends: when its stdin closes (the test that
started it stops it, or dies), it removes its temporary directory, if any, and exits at once
(server threads are daemons and are not joined)."""
import os
import shutil
import sys


def exit_when_stdin_closes(tmpdir=None):
    while sys.stdin.buffer.read(65536):
        pass
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)
    os._exit(0)
