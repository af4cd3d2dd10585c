"""Staff accounts: what an account needs, and how many passwords a process checks at once (a few
run, a few wait, the rest are refused at once)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from triage.access import Role
from triage.access import staff as staff_module
from triage.access.staff import (
    PasswordCheckLimit,
    PasswordChecksBusy,
    StaffError,
    StaffStore,
)
from triage.audit.store import AuditStore

from support import STAFF_PASSWORD


def test_beyond_the_running_and_waiting_places_a_check_is_refused_at_once():
    limit = PasswordCheckLimit(running=2, waiting=0)
    with limit.slot(), limit.slot(), pytest.raises(PasswordChecksBusy), limit.slot():
        pass


def test_a_place_given_back_can_be_taken_again():
    limit = PasswordCheckLimit(running=1, waiting=0)
    with limit.slot():
        pass
    with limit.slot():
        pass  # no PasswordChecksBusy


def test_a_place_is_given_back_when_the_check_fails():
    limit = PasswordCheckLimit(running=1, waiting=0)
    with pytest.raises(ValueError), limit.slot():
        raise ValueError("wrong password")
    with limit.slot():
        pass


def test_a_waiting_check_runs_when_a_place_is_given_back():
    limit = PasswordCheckLimit(running=1, waiting=1, patience=30)
    ran = threading.Event()

    def waiting_check() -> None:
        with limit.slot():
            ran.set()

    with limit.slot():
        waiter = threading.Thread(target=waiting_check)
        waiter.start()
        assert not ran.is_set()  # it cannot run while the only place is taken
    waiter.join(timeout=30)
    assert ran.is_set()


def test_a_waiting_check_gives_up_after_its_patience():
    limit = PasswordCheckLimit(running=1, waiting=1, patience=0.01)
    with limit.slot(), pytest.raises(PasswordChecksBusy), limit.slot():
        pass


# --- accounts ---------------------------------------------------------------------------------


@pytest.fixture
def staff(tmp_path: Path) -> StaffStore:
    store = AuditStore(f"sqlite:///{tmp_path / 'staff.sqlite3'}")
    yield StaffStore(store.db)
    store.db.dispose()


def test_a_password_of_twelve_characters_is_enough(staff):
    staff.create("a.patel", "A. Patel", Role.FRONT_DOOR, "x" * 12)
    assert staff.authenticate("a.patel", "x" * 12) is not None


def test_a_password_of_eleven_characters_is_refused(staff):
    with pytest.raises(StaffError, match="^password: at least 12 characters$"):
        staff.create("a.patel", "A. Patel", Role.FRONT_DOOR, "x" * 11)


def test_a_name_is_up_to_128_characters(staff):
    assert staff.create("a.patel", "A" * 128, Role.FRONT_DOOR, STAFF_PASSWORD).name == "A" * 128


def test_a_name_of_129_characters_is_refused(staff):
    with pytest.raises(StaffError, match="^name: at most 128 characters$"):
        staff.create("a.patel", "A" * 129, Role.FRONT_DOOR, STAFF_PASSWORD)


# --- how many checks this process runs at once --------------------------------------------------


def test_a_process_checks_as_many_passwords_at_once_as_it_has_cpus_at_most_eight(monkeypatch):
    """The next check waits (here: gives up at once) while that many run."""
    cpus = min(len(os.sched_getaffinity(0)), 8)
    monkeypatch.setattr(staff_module.password_checks, "patience", 0.0)
    with contextlib.ExitStack() as running:
        for _ in range(cpus):
            running.enter_context(staff_module.password_checks.slot())
        with pytest.raises(PasswordChecksBusy), staff_module.password_checks.slot():
            pass


def test_a_process_queues_twice_as_many_checks_as_it_runs_at_most_sixteen_in_all(monkeypatch):
    """While its running places are all taken, the next ``2 * running`` checks wait (never more than
    16 places in all) and every further one is refused at once. A check is refused only when every
    place is taken, and no place is given back here before the end, so once as many as expected
    have been refused, every other check is waiting."""
    cpus = min(len(os.sched_getaffinity(0)), 8)
    waiting = min(2 * cpus, 16 - cpus)
    checks = staff_module.password_checks
    monkeypatch.setattr(checks, "patience", 60.0)
    refused, ran = [], []

    def check() -> None:
        try:
            with checks.slot():
                ran.append(1)
        except PasswordChecksBusy:
            refused.append(1)

    threads = [threading.Thread(target=check) for _ in range(waiting + 3)]
    with contextlib.ExitStack() as running:
        for _ in range(cpus):
            running.enter_context(checks.slot())
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(refused) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=60)
    assert (len(ran), len(refused)) == (waiting, 3)
