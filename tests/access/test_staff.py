"""How many passwords a process checks at once: a few run, a few wait, the rest are refused at once."""

from __future__ import annotations

import threading

import pytest

from triage.access.staff import PasswordCheckLimit, PasswordChecksBusy


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
