"""Generated exports are shaped like the customer bases they stand in for."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from kamgraph.config import Config
from kamgraph.generate import ORG, generate_export
from kamgraph.model import CustomerRole, OpportunityRole, Person, Side
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

#: Title -> (function, rung): 0 heads the function; the board is senior management.
RUNG = {title: (function, depth) for function, ladder in ORG.items()
        for depth, (title, _) in enumerate(ladder)}
BOARD = [title for title, _ in ORG["senior_management"]]


def test_a_generated_account_is_a_company_not_a_club_of_chief_executives(
        tmp_path: Path) -> None:
    generate_export(tmp_path / "export", accounts=40, seed=1, end=date(2026, 11, 1))
    largest: list[Person] = []
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, tmp_path / "export", config=Config())
        for summary in store.accounts():
            people = [s.record for s in store.load_account(summary.id).items
                      if isinstance(s.record, Person) and s.record.side is Side.CUSTOMER]
            by_id = {p.id: p for p in people}
            titles = Counter(p.title for p in people)
            # One chief executive; a chief financial and operating officer at most once.
            assert titles[BOARD[0]] == 1 and all(titles[t] <= 1 for t in BOARD[1:])
            # Each function has one head, and everyone else reports a rung up it.
            for function, ladder in ORG.items():
                assert titles[ladder[0][0]] <= 1, (function, titles)
            for person in people:
                function, rung = RUNG[str(person.title)]
                if person.title == BOARD[0]:
                    assert person.reports_to is None
                    continue
                boss = by_id[str(person.reports_to)]
                if rung == 0 or function == "senior_management":
                    assert boss.title == BOARD[0]
                else:
                    assert RUNG[str(boss.title)] == (function, rung - 1)
            # A deal's economic buyer and executive sponsor head a function or sit on the
            # board; its decision maker is at most a rung below a head.
            for stored in store.load_account(summary.id).of_kind("opportunity_role"):
                role = stored.record
                assert isinstance(role, OpportunityRole)
                rung = RUNG[str(by_id[role.person_id].title)][1]
                if {CustomerRole.ECONOMIC_BUYER, CustomerRole.EXECUTIVE_SPONSOR} & set(
                        role.roles):
                    assert rung == 0 or by_id[role.person_id].title in BOARD
                if CustomerRole.DECISION_MAKER in role.roles:
                    assert rung <= 1 or by_id[role.person_id].title in BOARD
            largest = max(largest, people, key=len)
    # A large account is a pyramid: more people on each function's bottom rung than on
    # the rungs above it.
    assert len(largest) > 150
    rungs = Counter(RUNG[str(p.title)][1] for p in largest if p.title not in BOARD)
    assert rungs[0] < rungs[1] and max(rungs) > 1
    bottoms = sum(n for title, n in Counter(p.title for p in largest).items()
                  if title not in BOARD and RUNG[str(title)][1] == len(
                      ORG[RUNG[str(title)][0]]) - 1)
    assert bottoms > len(largest) / 2
