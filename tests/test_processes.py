"""A stop that lands anywhere stops every child: the race that hung `annotate serve` in CI, made to happen every time.

Python raises KeyboardInterrupt at whatever bytecode runs when SIGINT lands. Landing in
`Popen.poll()` right after it took its `_waitpid_lock` (before its `try`) left the lock held for
ever: the stop that followed blocked in `wait()` on that lock, its Redis a zombie. Here the
signal is sent from inside that acquire, every time; under `stop_requests()` the watch ends at
its next pause and every child is stopped and reaped.
"""

import os
import signal
import subprocess
import threading

import pytest

from factory.processes import stop_group, stop_requested, stop_requests, watch

HANG_GUARD_S = 120  # only against a hang; a stop takes well under a second here


class SignalInsidePoll:
    """Wraps a Popen's _waitpid_lock: its first successful acquire sends this process SIGINT at once."""

    def __init__(self, lock):
        self.lock, self.fired = lock, False

    def acquire(self, *args, **kwargs):
        got = self.lock.acquire(*args, **kwargs)
        if got and not self.fired:
            self.fired = True
            os.kill(
                os.getpid(), signal.SIGINT
            )  # its handler runs at the next bytecode: still inside poll's acquire
        return got

    def release(self):
        self.lock.release()

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def test_a_ctrl_c_inside_process_bookkeeping_still_stops_every_child():
    children = {
        name: subprocess.Popen(["sleep", "600"], start_new_session=True)
        for name in ("redis", "server", "worker")
    }
    children["redis"]._waitpid_lock = SignalInsidePoll(children["redis"]._waitpid_lock)
    before = signal.getsignal(signal.SIGINT)  # pytest's handler; SIG_IGN in a pytest-xdist worker
    with stop_requests():
        with pytest.raises(KeyboardInterrupt):
            watch(children, every=0.05)
        assert children["redis"]._waitpid_lock.fired and stop_requested()
        stopper = threading.Thread(
            target=lambda: [stop_group(p, grace=5) for p in children.values()], daemon=True
        )
        stopper.start()
        stopper.join(HANG_GUARD_S)
    assert not stopper.is_alive(), "the stop hung on a lock the interrupt left held"
    assert all(
        p.returncode is not None for p in children.values()
    )  # every child stopped and reaped
    assert signal.getsignal(signal.SIGINT) is before  # the handling in force before is back


def test_watch_names_the_child_that_exited():
    children = {"server": subprocess.Popen(["sleep", "600"]), "worker": subprocess.Popen(["true"])}
    try:
        with stop_requests():
            assert watch(children, every=0.05) == "worker"
    finally:
        children["server"].kill()
        children["server"].wait()
