"""Many technicians take the last parts at the same instant on PostgreSQL: the stock never goes below zero,
exactly as many succeed as there were parts, and the ledger equals the balance."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from gongdan.core.domain_errors import Conflict
from gongdan.parts.models import Movement, Stock, Usage
from gongdan.parts.services import part_use, stock_transfer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_parallel(count: int, work) -> tuple[int, list[BaseException]]:
    barrier = threading.Barrier(count)
    done: list[int] = []
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
            done.append(n)
        except Conflict:
            pass
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(done), failures


def test_twelve_technicians_take_the_last_five_filters(stocked, stores, make_ticket, agent, admin_user):
    # Given 5 filters in store B (moved there from A) and 12 open work orders
    stock_transfer(actor=admin_user, part=stocked, source=stores["A"], target=stores["B"], quantity=5)
    tickets = [make_ticket(f"换滤芯 {n}") for n in range(12)]

    # When 12 threads each take one filter from B at once
    succeeded, failures = _in_parallel(
        12, lambda n: part_use(actor=agent, ticket=tickets[n], part=stocked, store=stores["B"], quantity=1)
    )

    # Then exactly five succeed, B holds none, and nothing is negative anywhere
    assert failures == []
    assert succeeded == 5
    held = Stock.objects.get(part=stocked, store=stores["B"]).quantity
    assert held == 0
    assert Usage.objects.count() == 5
    ledger = sum((m.quantity for m in Movement.objects.filter(part=stocked, store=stores["B"])), Decimal(0))
    assert ledger == held
    assert not Stock.objects.filter(quantity__lt=0).exists()


def test_opposite_transfers_at_once_neither_deadlock_nor_go_negative(stocked, stores, admin_user):
    stock_transfer(actor=admin_user, part=stocked, source=stores["A"], target=stores["B"], quantity=5)

    def work(n: int) -> None:
        source, target = (stores["A"], stores["B"]) if n % 2 else (stores["B"], stores["A"])
        stock_transfer(actor=admin_user, part=stocked, source=source, target=target, quantity=2)

    _succeeded, failures = _in_parallel(8, work)

    assert failures == []
    total = sum(Stock.objects.filter(part=stocked).values_list("quantity", flat=True))
    assert total == 10
    assert not Stock.objects.filter(quantity__lt=0).exists()
