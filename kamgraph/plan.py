"""The account development plan (slides 35–37) and the explanation of one person.

Both read one account's graph and its audit; both render Markdown-safe or terminal-safe
text with every CRM string escaped.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date

import networkx as nx

from kamgraph.actions.drafts import Reason
from kamgraph.analysis.anti_sponsor import anti_sponsor_scores
from kamgraph.analysis.findings import (
    FindingKind,
    HandOverData,
    PlacementData,
    RoleVacatedData,
)
from kamgraph.analysis.influence import derived_influence
from kamgraph.analysis.people import ROLE_LABELS, contact_edges, function_label, key_reasons
from kamgraph.analysis.relmap import relationship_map
from kamgraph.analysis.strength import band, edge_strength
from kamgraph.audit import AccountAudit
from kamgraph.config import Config
from kamgraph.escape import md_escape, terminal_safe
from kamgraph.graph import CONTACT, INFLUENCES, REPORTS_TO, arrived_on, context, left_on
from kamgraph.model import Level
from kamgraph.records import ChangeKind, how_gone
from kamgraph.wording import counted

__all__ = ["AccountView", "account_plan", "explain"]

_RESULT: dict[Reason, str] = {
    FindingKind.ANTI_SPONSOR: "the stance confirmed, and support built around the person",
    FindingKind.COVERAGE_GAP: "an active relationship (a meeting held) with the person or function",
    FindingKind.SINGLE_THREADED: "a second person of ours in regular contact",
    FindingKind.KEY_PERSON_RISK: "no key person reached through this one person of ours alone",
    FindingKind.MIRROR_OPPORTUNITY: "a peer relationship at the same level and function",
    FindingKind.MIRROR_MISMATCH: "a senior person of ours in the relationship",
    FindingKind.HIDDEN_INFLUENCER: "the person's role recorded and a relationship started",
    FindingKind.COMMITTEE_INCOMPLETE: "every committee role named and covered",
    FindingKind.COVERAGE_EFFORT: "contact hours within the 60–80 hour band",
    FindingKind.PORTFOLIO_PLACEMENT: "the account managed to its portfolio strategy",
    FindingKind.PATH_TO_POWER: "a meeting held with the person who decides",
    FindingKind.RED_FLAG: "the deal's buying centre covered",
    FindingKind.MAP_STATUS: "every committee role named and covered",
    "unmapped": "the account's buying centre recorded",
    FindingKind.BUYING_CENTRE_CHANGED: "the new people met, the departed ones' roles taken over",
    FindingKind.HAND_OVER: "the relationship held again by someone of ours who is still here",
    FindingKind.ROLE_VACATED: "the person who took over the role named and met",
    FindingKind.NEW_KEY_PERSON: "a meeting held with the newcomer",
}


@dataclass
class AccountView:
    graph: nx.MultiDiGraph
    audit: AccountAudit


def _roles(data: dict[str, object]) -> str:
    roles = data.get("roles") or ()
    return ", ".join(ROLE_LABELS.get(str(r), str(r)) for r in roles)  # type: ignore[attr-defined]


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(md_escape(c) if c not in (None, "") else "" for c in cells) + " |"


def _in_dmu(g: nx.MultiDiGraph, node: str, reasons: list[str],
            in_actions: Container[str]) -> bool:
    """Whether one of theirs belongs in the plan's DMU: key, holding a role, with
    anything recorded about them, in contact with us, or part of an action."""
    d = g.nodes[node]
    return bool(reasons or d["roles"] or d["stance"] != "unknown" or d["dos"] or d["donts"]
                or d["influence"] is not None or node in in_actions
                or any(key == CONTACT for _, _, key in g.in_edges(node, keys=True)))


def account_plan(view: AccountView, config: Config) -> str:
    """The plan in Markdown: DMU, PSU, relationship map, action list."""
    g, audit = view.graph, view.audit
    as_of: date = context(g).as_of
    account = context(g).account
    derived = derived_influence(g)
    out = [f"# Account development plan: {md_escape(account['name'])}", "",
           f"As of {as_of.isoformat()}. Account id `{md_escape(account['id'])}`.", ""]
    if audit.stage:
        reasons = "; ".join(md_escape(r) for r in audit.stage.reasons)
        out.append(f"**Stage:** {audit.stage.name.label}"
                   + (f". {reasons[:1].upper()}{reasons[1:]}." if reasons else "."))
        out.append("")
    placement = next((f for f in audit.findings if f.kind is FindingKind.PORTFOLIO_PLACEMENT),
                     None)
    if placement:
        out += [f"**Portfolio:** {md_escape(placement.evidence[0])}. "
                f"{md_escape(placement.action)}", ""]
    minimal = placement is not None and isinstance(placement.data, PlacementData) \
        and placement.data.strategy in ("maintain minimally", "withdraw")
    out += [f"**Executive sponsor:** {md_escape(audit.sponsor)}." if audit.sponsor else
            "**Executive sponsor:** none: the strategy serves this account without "
            "executive time." if minimal else
            "**Executive sponsor:** none: no executive of ours has time for this account "
            "(`kamgraph workload` shows whose time is where).", ""]

    out += ["## Decision-making unit (theirs)", "",
            _row(["Person", "Title", "Function", "Level", "Roles", "Influence", "Stance",
                  "Dos", "Don'ts", "Key because"]),
            "|" + "---|" * 10]
    theirs = sorted((n for n, d in g.nodes(data=True) if d["side"] == "customer"
                     and d["active"]), key=lambda n: (-g.nodes[n]["level_rank"], n))
    in_actions = audit.parts()
    rest = 0
    for n in theirs:
        d = g.nodes[n]
        why = key_reasons(g, n, config)
        if not _in_dmu(g, n, why, in_actions):
            rest += 1
            continue
        influence = (f"{d['influence']:.2f} recorded" if d["influence"] is not None
                     else f"{derived.get(n, 0):.2f} derived")
        new = arrived_on(g, n)
        out.append(_row([d["name"] + (f" (new since {new.isoformat()})" if new else ""),
                         d["title"], function_label(d["function"]),
                         Level(d["level"]).label, _roles(d), influence,
                         d["stance"].replace("_", "-"), d["dos"], d["donts"],
                         "; ".join(why)]))
    if rest:
        out += ["", f"… and {counted(rest, 'more person of theirs', 'more people of theirs')}"
                    f" with no role, stance or notes recorded, not key, not in contact with "
                    f"us and in no action (`kamgraph map` shows everyone)."]
    out += ["", "## Our people serving the account", "",
            _row(["Person", "Title", "Function", "Team role", "Contacts with the DMU"]),
            "|---|---|---|---|---|"]
    for n in sorted((n for n, d in g.nodes(data=True) if d["side"] == "supplier"),
                    key=lambda n: (not g.nodes[n]["active"], n)):
        d = g.nodes[n]
        contacts = []
        for _, c, key, e in sorted(g.out_edges(n, keys=True, data=True)):
            if key == CONTACT:
                if not d["active"]:
                    contacts.append(f"{g.nodes[c]['name']}: {e['frequency'].replace('_', ' ')}"
                                    f", last {e['last_contact'] or 'never'}")
                    continue
                state = "" if e["active"] else ", stale"
                value = edge_strength(g, n, c, config)
                level = (f", recorded {e['level'].replace('_', ' ')}"
                         + (f" (wanted {e['desired_level'].replace('_', ' ')})"
                            if e.get("desired_level") else "")) if e.get("level") else ""
                contacts.append(f"{g.nodes[c]['name']}: {e['frequency'].replace('_', ' ')}, "
                                f"strength {value:.2f} {band(value, config)}{level}, "
                                f"last {e['last_contact'] or 'never'}{state}")
        left = left_on(g, n) if not d["active"] else None
        name = d["name"] + ("" if d["active"] else
                            f" (left {left.isoformat()})" if left else " (left)")
        out.append(_row([name, d["title"], function_label(d["function"]),
                         ", ".join(r.replace("_", " ") for r in d["team_roles"]),
                         "; ".join(contacts)]))
    changes = context(g).changes
    if changes:
        out += ["", "## What changed", "",
                f"Changes {md_escape(context(g).changes_since or '')}, each dated by the sync "
                f"that first saw it.", ""]
        out += [f"- {c.day.isoformat() if c.day else '—'}: {md_escape(c.text)}"
                for c in changes]
    relmap = relationship_map(g)
    out += ["", "## Relationship map", "",
            "Their functions (rows) against ours (columns): how often we meet.", ""]
    if relmap["columns"]:
        out.append(_row(["", *[function_label(c) for c in relmap["columns"]]]))
        out.append("|---" * (len(relmap["columns"]) + 1) + "|")
        for row in relmap["rows"]:
            cells = relmap["cells"].get(row, {})
            out.append(_row([function_label(row), *[
                cells.get(c, "").replace("_", " ") or "—" for c in relmap["columns"]]]))
    else:
        out.append("Nobody of ours has an active relationship with this account.")
    out += ["", "## Action list", "",
            "One action per problem, most important first, each with one owner of ours.", "",
            _row(["#", "Priority", "About", "Problem", "Action", "Who (ours)", "With", "By",
                  "Expected result"]), "|---|---|---|---|---|---|---|---|---|"]
    for a in audit.actions:
        result = next((text for k, text in _RESULT.items() if k in a.because), "")
        out.append(_row([a.rank, a.priority.value, a.subject.name, a.problem, a.action,
                         a.owner.name if a.owner else "the account team",
                         ", ".join(w.name for w in a.with_),
                         a.due.isoformat() if a.due else "", result]))
    if not audit.actions:
        out.append("Nothing to act on.")
    return "\n".join(out) + "\n"


def explain(view: AccountView, node: str, config: Config) -> str:
    """Everything known about one person of an account, present or gone, and why each
    finding about them fired, as terminal-safe text: for someone who left, when, who
    held the relationship, and what became of their roles and relationships."""
    g = view.graph
    t = terminal_safe
    ctx = context(g)
    if node not in g:
        return _explain_absent(view, node)
    d = g.nodes[node]
    gone = not d["active"]
    lines = [f"{t(d['name'])} ({node})", "=" * 60,
             f"side: {d['side']}; account: {t(ctx.account['name'])}",
             f"title: {t(d['title'] or '-')}; function: {function_label(d['function'])}; "
             f"level: {Level(d['level']).label}; status: {_status(g, node)}"]
    arrived = arrived_on(g, node)
    if arrived is not None:
        lines.append(f"new: arrived on {arrived.isoformat()}")
    if d["side"] == "customer":
        derived = derived_influence(g).get(node, 0.0)
        lines.append(f"roles: {_roles(d) or '-'}; stance: {d['stance']}"
                     f"{' (recorded)' if d['stance_recorded'] else ''}; influence: "
                     + (f"{d['influence']:.2f} recorded, " if d["influence"] is not None else "")
                     + f"{derived:.2f} derived")
        if d["dos"] or d["donts"]:
            lines.append(f"do: {t(d['dos'] or '-')}; don't: {t(d['donts'] or '-')}")
        if not gone:
            reasons = key_reasons(g, node, config)
            lines.append("key: " + ("; ".join(reasons) if reasons else "no"))
    for _, other, key in g.out_edges(node, keys=True):
        if key in (REPORTS_TO, INFLUENCES):
            verb = "reports to" if key == REPORTS_TO else "sways"
            lines.append(f"{verb}: {t(g.nodes[other]['name'])}")
    if gone and d["side"] == "customer":
        reports = [u for u, _, k in g.in_edges(node, keys=True) if k == REPORTS_TO]
        moved = [c for c in ctx.changes if c.kind is ChangeKind.REPORTS_TO
                 and f"reports to {d['name']} → " in c.text]
        if moved:
            lines.append("their reports now: " + "; ".join(t(c.text) for c in moved))
        if reports:
            lines.append("still recorded as reporting to them: " + ", ".join(
                t(g.nodes[u]["name"]) for u in reports))
    lines.append("")
    lines.append("Relationships:" if not gone else "Relationships (as they stood):")
    edges = (contact_edges(g, node) if d["side"] == "customer" else
             [(c, e) for _, c, k, e in g.out_edges(node, keys=True, data=True) if k == CONTACT])
    for other, e in edges:
        holder = g.nodes[other]
        lines.append(
            f"  {t(holder['name'])}{'' if holder['active'] else ' (left)'}: "
            f"{e['frequency'].replace('_', ' ')}, last "
            f"{e['last_contact'] or 'never'}, {counted(e['meetings'], 'meeting')}, "
            f"{counted(e['calls'], 'call')}, {counted(e['emails'], 'e-mail')}, "
            f"{e['declined']} declined, {e['unanswered']} unanswered"
            f" ({'active' if e['active'] else 'not active'})")
    if not edges:
        lines.append("  none")
    if gone:
        lines += _after_leaving(view, node)
    if d["side"] == "customer" and not gone:
        score = next((s for s in anti_sponsor_scores(g, config) if s.person == node), None)
        if score is not None:
            lines += ["", f"Anti-sponsor score: {score.score:.2f}"
                      + (" (engaged: judged on recorded stance only)" if score.engaged
                         else "")]
            lines += [f"  {t(text)}" for _, _, text in score.signals]
    found = view.audit.parts().get(node)
    if found is not None:
        action, part = found
        lines += ["", f"Action {action.rank} ({action.priority.value}, {part}): "
                      f"{t(action.problem)}", f"  > {t(action.action)}"]
    about = [f for f in view.audit.findings
             if f.subject.id == node or (f.suggested and f.suggested.id == node)]
    lines += ["", f"Findings ({len(about)}):"]
    for f in about:
        role = "about them" if f.subject.id == node else "suggests them"
        lines.append(f"  {f.severity.value.upper()} {f.kind} ({role}, score {f.score:.2f})")
        lines += [f"    - {t(e)}" for e in f.evidence]
        lines.append(f"    > {t(f.action)}")
    return "\n".join(lines) + "\n"


def _status(g: nx.MultiDiGraph, node: str) -> str:
    d = g.nodes[node]
    if d["active"]:
        return "here"
    day = left_on(g, node)
    how = how_gone(d["status"])
    return f"left on {day.isoformat()} ({how})" if day else f"left ({how})"


def _after_leaving(view: AccountView, node: str) -> list[str]:
    """What became of a departed person's relationships and roles."""
    g, t, audit = view.graph, terminal_safe, view.audit
    lines = ["", "Since they left:"]
    covering = audit.action_of_findings()
    actions = {a.id: a for a in audit.actions}

    def action_line(i: int) -> str:
        a = actions.get(covering.get(i, ""))
        return (f"action {a.rank} ({a.priority.value}): {t(a.action)}" if a else
                "no action (low)")

    said = False
    for i, f in enumerate(audit.findings):
        if isinstance(f.data, HandOverData) and f.data.left == node:
            lines.append(f"  {t(f.subject.name)}, to hand over: {action_line(i)}")
            said = True
        elif isinstance(f.data, RoleVacatedData) and f.data.person == node:
            lines.append(f"  {t(f.evidence[0])}")
            lines.append(f"    {action_line(i)}")
            said = True
    for change in context(g).changes:
        if change.kind is ChangeKind.LEFT and change.person == node and change.held:
            roles = ", ".join(ROLE_LABELS.get(r, r) for r, _ in change.held)
            lines.append(f"  roles held before they left: {t(roles)}")
            said = True
    if g.nodes[node]["side"] == "customer":
        holders = [g.nodes[s]["name"] for s, e in contact_edges(g, node) if e["contacts"]]
        if holders:
            lines.append("  the relationship was held by " + t(", ".join(map(str, holders))))
            said = True
    if not said:
        lines.append("  nothing left open: no relationship or role of theirs needs taking over")
    return lines


def _explain_absent(view: AccountView, node: str) -> str:
    """Someone the account's graph no longer holds (deleted, or gone with nothing left
    on the account): what the change window recorded of them."""
    t = terminal_safe
    ctx = context(view.graph)
    lines = [f"{node}", "=" * 60, f"account: {t(ctx.account['name'])}",
             "not on the account now (deleted in the CRM, or nothing of theirs left here)"]
    for change in ctx.changes:
        if change.person == node:
            when = change.day.isoformat() if change.day else "?"
            lines.append(f"  {when}: {t(change.text)}")
    return "\n".join(lines) + "\n"
