"""The account development plan: a document a KAM reads, at any account size."""

from __future__ import annotations

import re
from datetime import date

from kamgraph.audit import audit_graph
from kamgraph.config import Config
from kamgraph.generate import account_of_size
from kamgraph.graph import build_account_graph
from kamgraph.plan import AccountView, account_plan

AS_OF = date(2026, 11, 1)


def test_a_big_accounts_plan_lists_its_decision_making_unit_not_everyone() -> None:
    graph = build_account_graph(account_of_size(500), AS_OF, Config())
    audit = audit_graph(graph, Config())
    plan = account_plan(AccountView(graph, audit), Config())
    dmu = plan.split("## Decision-making unit (theirs)")[1].split("## ")[0]
    rows = [line for line in dmu.splitlines() if line.startswith("| ")][1:]
    theirs = [n for n, d in graph.nodes(data=True) if d["side"] == "customer" and d["active"]]
    [rest] = re.findall(r"… and ([\d,]+) more people of theirs", dmu)
    # Everyone is accounted for, and the table is a small part of them.
    assert len(rows) + int(rest.replace(",", "")) == len(theirs)
    assert len(rows) < len(theirs) / 3
    # Whoever an action names, or who is key, is in it.
    listed = {row.split(" | ")[0].removeprefix("| ") for row in rows}
    for person in audit.parts():
        if person in theirs:
            assert graph.nodes[person]["name"] in listed
    for action in audit.actions:
        if action.subject.type == "person" and action.subject.id in theirs:
            assert action.subject.name in listed
