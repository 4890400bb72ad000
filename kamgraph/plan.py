"""The account development plan (slides 35–37) and the explanation of one person.

Both read one account's graph and its audit; both render Markdown-safe or terminal-safe
text with every CRM string escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx

from kamgraph.actions.drafts import Action, Reason
from kamgraph.analysis.anti_sponsor import anti_sponsor_scores
from kamgraph.analysis.committee import committee_status, requirement_label
from kamgraph.analysis.effort import contact_hours
from kamgraph.analysis.findings import (
    FindingKind,
    HandOverData,
    PlacementData,
    RoleVacatedData,
    Subject,
)
from kamgraph.analysis.influence import derived_influence
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    function_label,
    key_reasons,
    open_opportunities,
)
from kamgraph.analysis.portfolio import placement
from kamgraph.analysis.relmap import relationship_map
from kamgraph.analysis.stage import stage_label
from kamgraph.analysis.strength import band, edge_strength
from kamgraph.audit import AccountAudit
from kamgraph.config import Config
from kamgraph.escape import md_escape, terminal_safe
from kamgraph.graph import CONTACT, INFLUENCES, REPORTS_TO, arrived_on, context, left_on
from kamgraph.model import Level
from kamgraph.records import ChangeKind, how_gone
from kamgraph.wording import counted

__all__ = ["SECTIONS", "AccountView", "Section", "account_plan", "expected_result", "explain",
           "target_pairs"]

#: Each kind's expected result, in the action's own terms: ``{owner}`` (ours, who acts),
#: ``{subject}`` (whom or what it is about), ``{cadence}`` (how often the subject's level
#: is met).  The first kind of an action's reasons, in this order, says it.
_RESULT: dict[Reason, str] = {
    FindingKind.ANTI_SPONSOR: "{subject}'s stance confirmed by {owner}, and support built "
                              "around them",
    FindingKind.COVERAGE_GAP: "{owner} meets {subject} at least {cadence}",
    FindingKind.SINGLE_THREADED: "{owner} meets {subject} at least {cadence}: a second thread",
    FindingKind.KEY_PERSON_RISK: "no key person reached through {subject} alone",
    FindingKind.MIRROR_OPPORTUNITY: "{owner} is {subject}'s peer, meeting at least {cadence}",
    FindingKind.MIRROR_MISMATCH: "{owner}, senior enough, meets {subject} at least {cadence}",
    FindingKind.HIDDEN_INFLUENCER: "{subject}'s role recorded, and {owner} meets them at least "
                                   "{cadence}",
    FindingKind.COMMITTEE_INCOMPLETE: "every committee role at {subject} named and covered",
    FindingKind.COVERAGE_EFFORT: "{subject} gets {low:.0f}–{high:.0f} contact hours a year",
    FindingKind.PORTFOLIO_PLACEMENT: "{subject} managed to its portfolio strategy",
    FindingKind.PATH_TO_POWER: "{owner} meets {subject}, who decides, at least {cadence}",
    FindingKind.RED_FLAG: "the buying centre of {subject} covered",
    FindingKind.MAP_STATUS: "every committee role at {subject} named and covered",
    "unmapped": "{subject}'s buying centre recorded",
    FindingKind.BUYING_CENTRE_CHANGED: "the new people at {subject} met, the departed ones' "
                                       "roles taken over",
    FindingKind.HAND_OVER: "{owner} holds the relationship with {subject}, meeting at least "
                           "{cadence}",
    FindingKind.ROLE_VACATED: "whoever took over {subject}'s role named, and met by {owner}",
    FindingKind.NEW_KEY_PERSON: "{owner} meets {subject}, new here, at least {cadence}",
}
#: How often a relationship at each level of theirs is kept: the cadences the capacity
#: model's ``[capacity.cadence]`` hours price (docs/config.md, "Capacity").
_CADENCE: dict[str, str] = {
    "c_level": "quarterly", "vp": "monthly", "director": "monthly", "head": "fortnightly",
    "manager": "fortnightly", "individual_contributor": "fortnightly"}
#: Kinds whose action asks no relationship of its owner (they check, record or count).
_NO_RELATIONSHIP = frozenset({FindingKind.ANTI_SPONSOR, FindingKind.KEY_PERSON_RISK,
                              FindingKind.COVERAGE_EFFORT, FindingKind.PORTFOLIO_PLACEMENT,
                              FindingKind.ROLE_VACATED, "unmapped"})
#: Where what the plan opens with is recorded: a kamgraph CSV overlay's accounts.csv.
_OBJECTIVES = (("revenue_target", "revenue target"),
               ("share_of_wallet_target", "share of wallet target"),
               ("target_stage", "target stage"), ("review_date", "review date"))


@dataclass
class AccountView:
    graph: nx.MultiDiGraph
    audit: AccountAudit


def _roles(data: dict[str, object]) -> str:
    roles = data.get("roles") or ()
    return ", ".join(ROLE_LABELS.get(str(r), str(r)) for r in roles)  # type: ignore[attr-defined]


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(md_escape(c) if c not in (None, "") else "" for c in cells) + " |"


def _overlay(columns: list[str]) -> str:
    """Where a missing fact would be recorded, said once."""
    return ("the kamgraph CSV overlay's `accounts.csv`, column"
            + ("s " if len(columns) > 1 else " ") + ", ".join(f"`{c}`" for c in columns))


def _money(amount: float | None) -> str:
    return "" if amount is None else f"{amount:,.0f}"


def _in_dmu(g: nx.MultiDiGraph, node: str, reasons: list[str],
            in_actions: Container[str]) -> bool:
    """Whether one of theirs belongs in the plan's DMU: key, holding a role, with
    anything recorded about them, in contact with us, or part of an action."""
    d = g.nodes[node]
    return bool(reasons or d["roles"] or d["stance"] != "unknown" or d["dos"] or d["donts"]
                or d["influence"] is not None or node in in_actions
                or any(key == CONTACT for _, _, key in g.in_edges(node, keys=True)))


#: A section of the plan: its Markdown lines, ending with a blank one.
Section = Callable[[AccountView, Config], list[str]]


def account_plan(view: AccountView, config: Config) -> str:
    """The plan in Markdown: objectives, competitors, needs and deals, then DMU, PSU,
    relationship maps, effort budget and action list (:data:`SECTIONS`, in order)."""
    out: list[str] = []
    for section in SECTIONS:
        out += section(view, config)
    return "\n".join(out).rstrip("\n") + "\n"


def _title(view: AccountView, config: Config) -> list[str]:
    ctx = context(view.graph)
    return [f"# Account development plan: {md_escape(ctx.account['name'])}", "",
            f"As of {ctx.as_of.isoformat()}. Account id `{md_escape(ctx.account['id'])}`.", ""]


def _won_last_year(g: nx.MultiDiGraph) -> float | None:
    """Amounts of the deals won in the year before the as-of day; None when none."""
    ctx = context(g)
    won = [o["amount"] or 0.0 for o in ctx.opportunities if o["is_won"] and o["close_date"]
           and 0 <= (ctx.as_of - date.fromisoformat(o["close_date"])).days < 365]
    return sum(won) if won else None


def objectives(view: AccountView, config: Config) -> list[str]:
    """What we want to achieve with the account and by when (slide 29)."""
    g, audit = view.graph, view.audit
    ctx = context(g)
    account = ctx.account
    out = ["## Objectives", ""]
    if account["revenue_target"] is not None:
        won = _won_last_year(g)
        out.append(f"- **Revenue target:** {_money(account['revenue_target'])} a year"
                   + (f" (won in the last 12 months: {_money(won)})" if won is not None
                      else ""))
    if account["share_of_wallet_target"] is not None:
        out.append(f"- **Share of wallet target:** {account['share_of_wallet_target']:g}%")
    if account["target_stage"]:
        now = audit.stage.name.label if audit.stage else "not classified"
        out.append(f"- **Stage:** {now} now, target {stage_label(account['target_stage'])}")
    review = account["review_date"]
    if review is not None:
        days = (review - ctx.as_of).days
        out.append(f"- **Review date:** {review.isoformat()} ("
                   + (f"in {counted(days, 'day')})" if days >= 0
                      else f"passed {counted(-days, 'day')} ago)"))
    missing = [(c, label) for c, label in _OBJECTIVES if account[c] in (None, "")]
    if len(missing) == len(_OBJECTIVES):
        out.append(f"Not recorded ({_overlay([c for c, _ in missing])}).")
    elif missing:
        out.append(f"- Not recorded: {', '.join(label for _, label in missing)} "
                   f"({_overlay([c for c, _ in missing])}).")
    return [*out, ""]


def _listed(title: str, column: str) -> Section:
    """A section listing one multi-valued account fact (competitors, business needs)."""
    def section(view: AccountView, config: Config) -> list[str]:
        values = context(view.graph).account[column]
        body = ([f"- {md_escape(value)}" for value in values] if values else
                [f"Not recorded ({_overlay([column])}, separated by `;`)."])
        return [f"## {title}", "", *body, ""]
    section.__name__ = column
    return section


def open_deals(view: AccountView, config: Config) -> list[str]:
    """Each open deal: its amount, stage and close date, and which committee roles of it
    someone of ours covers."""
    g = view.graph
    out = ["## Open deals", ""]
    deals = open_opportunities(g)
    if not context(g).opportunities:
        return [*out, "Not recorded (the CRM export's opportunities or deals).", ""]
    if not deals:
        return [*out, "None open.", ""]
    out += [_row(["Deal", "Amount", "Stage", "Close date", "Roles covered",
                  "Roles not covered"]), "|---|---|---|---|---|---|"]
    for opp, roles in deals:
        covered, uncovered = _deal_roles(g, roles, config)
        out.append(_row([opp["name"], _money(opp["amount"]), opp["stage"] or "",
                         opp["close_date"] or "", "; ".join(covered) or "none",
                         "; ".join(uncovered) or "none"]))
    return [*out, ""]


def _deal_roles(g: nx.MultiDiGraph, roles: dict[str, set[str]],
                config: Config) -> tuple[list[str], list[str]]:
    """A deal's committee roles: covered (with whom), and not (with who holds them)."""
    covered, uncovered = [], []
    for requirement, entry in committee_status(g, config, roles)["requirements"].items():
        label = requirement_label(requirement)
        if entry["covered"]:
            covered.append(f"{label}: " + ", ".join(g.nodes[n]["name"] for n in entry["covered"]))
        else:
            held = ", ".join(g.nodes[n]["name"] for n in entry["holders"]) or "nobody named"
            uncovered.append(f"{label}: {held}")
    return covered, uncovered


def standing(view: AccountView, config: Config) -> list[str]:
    """The account's stage, portfolio cell and executive sponsor."""
    audit = view.audit
    out = ["## Where we stand", ""]
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
    return out


def dmu(view: AccountView, config: Config) -> list[str]:
    """The decision-making unit (slide 35): who of theirs matters, and why."""
    g, audit = view.graph, view.audit
    derived = derived_influence(g)
    out = ["## Decision-making unit (theirs)", "",
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
    return [*out, ""]


def _contact_text(g: nx.MultiDiGraph, n: str, c: str, e: dict[str, Any],
                  config: Config) -> str:
    if not g.nodes[n]["active"]:
        return (f"{g.nodes[c]['name']}: {e['frequency'].replace('_', ' ')}"
                f", last {e['last_contact'] or 'never'}")
    state = "" if e["active"] else ", stale"
    value = edge_strength(g, n, c, config)
    level = (f", recorded {e['level'].replace('_', ' ')}"
             + (f" (wanted {e['desired_level'].replace('_', ' ')})"
                if e.get("desired_level") else "")) if e.get("level") else ""
    return (f"{g.nodes[c]['name']}: {e['frequency'].replace('_', ' ')}, "
            f"strength {value:.2f} {band(value, config)}{level}, "
            f"last {e['last_contact'] or 'never'}{state}")


def psu(view: AccountView, config: Config) -> list[str]:
    """Our people serving the account (slide 36) and their contacts with the DMU."""
    g = view.graph
    out = ["## Our people serving the account", "",
           _row(["Person", "Title", "Function", "Team role", "Contacts with the DMU"]),
           "|---|---|---|---|---|"]
    for n in sorted((n for n, d in g.nodes(data=True) if d["side"] == "supplier"),
                    key=lambda n: (not g.nodes[n]["active"], n)):
        d = g.nodes[n]
        contacts = [_contact_text(g, n, c, e, config)
                    for _, c, key, e in sorted(g.out_edges(n, keys=True, data=True))
                    if key == CONTACT]
        left = left_on(g, n) if not d["active"] else None
        name = d["name"] + ("" if d["active"] else
                            f" (left {left.isoformat()})" if left else " (left)")
        out.append(_row([name, d["title"], function_label(d["function"]),
                         ", ".join(r.replace("_", " ") for r in d["team_roles"]),
                         "; ".join(contacts)]))
    return [*out, ""]


def changes(view: AccountView, config: Config) -> list[str]:
    """What changed in the change window, when a window was asked for."""
    ctx = context(view.graph)
    if not ctx.changes:
        return []
    return ["## What changed", "",
            f"Changes {md_escape(ctx.changes_since or '')}, each dated by the sync "
            f"that first saw it.", "",
            *[f"- {c.day.isoformat() if c.day else '—'}: {md_escape(c.text)}"
              for c in ctx.changes], ""]


def relationships(view: AccountView, config: Config) -> list[str]:
    """The relationship map (slide 27): their functions against ours."""
    relmap = relationship_map(view.graph)
    out = ["## Relationship map", "",
           "Their functions (rows) against ours (columns): how often we meet.", ""]
    if not relmap["columns"]:
        return [*out, "Nobody of ours has an active relationship with this account.", ""]
    out.append(_row(["", *[function_label(c) for c in relmap["columns"]]]))
    out.append("|---" * (len(relmap["columns"]) + 1) + "|")
    for row in relmap["rows"]:
        cells = relmap["cells"].get(row, {})
        out.append(_row([function_label(row), *[
            cells.get(c, "").replace("_", " ") or "—" for c in relmap["columns"]]]))
    return [*out, ""]


def _cadence(g: nx.MultiDiGraph, node: str) -> str:
    """How often one of theirs is to be met, by their level ("regularly": not a person)."""
    if node not in g or g.nodes[node]["side"] != "customer":
        return "regularly"
    return _CADENCE.get(g.nodes[node]["level"], "monthly")


def target_pairs(view: AccountView) -> list[tuple[Subject, str, int]]:
    """The relationships the actions ask for: (ours, theirs, the action's rank), once
    each, first action first: an action's owner with the person of theirs it is about,
    and each step of a shared problem."""
    g = view.graph
    seen: dict[tuple[str, str], tuple[Subject, int]] = {}
    for a in view.audit.actions:
        if all(k in _NO_RELATIONSHIP for k in a.because):
            continue
        pairs = [(s.owner, s.subject) for s in a.steps]
        if a.owner is not None and _is_theirs(g, a.subject.id):
            pairs.insert(0, (a.owner, a.subject))
        for ours, theirs in pairs:
            if _is_theirs(g, theirs.id) and ours.id != theirs.id:
                seen.setdefault((ours.id, theirs.id), (ours, a.rank))
    return [(ours, theirs, rank) for (_, theirs), (ours, rank) in seen.items()]


def _is_theirs(g: nx.MultiDiGraph, node: str) -> bool:
    return node in g and g.nodes[node]["side"] == "customer"


def _now(g: nx.MultiDiGraph, ours: str, theirs: str) -> str:
    e = g.get_edge_data(ours, theirs, key=CONTACT)
    if e is None:
        return "none"
    return str(e["frequency"]).replace("_", " ") + ("" if e["active"] else ", stale")


def target_map(view: AccountView, config: Config) -> list[str]:
    """The relationships the actions ask for, each at its level's cadence."""
    g = view.graph
    pairs = target_pairs(view)
    out = ["## Target relationship map", "",
           "Who of ours is to meet whom of theirs, and how often, as the actions ask.", ""]
    if not pairs:
        return [*out, "No action asks for a new relationship.", ""]
    out += [_row(["Ours", "Theirs", "Their level", "Now", "Cadence", "Hours a month",
                  "Action"]), "|---|---|---|---|---|---|---|"]
    for ours, theirs, rank in pairs:
        level = g.nodes[theirs]["level"]
        out.append(_row([ours.name, g.nodes[theirs]["name"], Level(level).label,
                         _now(g, ours.id, theirs), _cadence(g, theirs),
                         f"{config.capacity.cadence.get(level, 0.0):g}", rank]))
    return [*out, ""]


def effort_budget(view: AccountView, config: Config) -> list[str]:
    """The account's contact hours against the band for its portfolio strategy, and what
    the target relationships would add."""
    g = view.graph
    account = context(g).account
    strategy = placement(account.get("attractiveness"), account.get("position"))
    low, high = config.effort_min_hours, config.effort_max_hours
    out = ["## Effort budget", ""]
    measured = contact_hours(g)
    if measured is None:
        out.append("- **Contact hours, last 12 months:** not recorded (durations of meetings "
                   "and calls in the CRM export's activities).")
    else:
        hours = sum(h for s, h in measured[1].items() if g.nodes[s]["active"])
        out.append(f"- **Contact hours, last 12 months:** {hours:.0f} h by people of ours "
                   f"still here")
    if strategy is None:
        out.append(f"- **Band:** {low:.0f}–{high:.0f} h a year for a key account; portfolio "
                   f"strategy not recorded ({_overlay(['attractiveness', 'position'])}).")
    elif strategy == "develop":
        out.append(f"- **Band for a '{strategy}' account:** at least {low:.0f} h a year; "
                   f"beyond {high:.0f} h is investment, not excess.")
    else:
        out.append(f"- **Band for a '{strategy}' account:** {low:.0f}–{high:.0f} h a year.")
    new = [(o, t) for o, t, _ in target_pairs(view) if _now(g, o.id, t) == "none"]
    added = 12 * sum(config.capacity.cadence.get(g.nodes[t]["level"], 0.0) for _, t in new)
    if new:
        out.append(f"- **The target relationships add:** about {added:.0f} h a year "
                   f"({counted(len(new), 'new relationship')} at their level's cadence).")
    return [*out, ""]


def expected_result(a: Action, g: nx.MultiDiGraph, config: Config) -> str:
    """What an action achieves, in its own terms: who meets whom, how often."""
    kind = next((k for k in _RESULT if k in a.because), None)
    if kind is None:
        return ""
    owner = a.owner.name if a.owner else "the account team"
    if a.steps and "{cadence}" in _RESULT[kind]:
        return "; ".join(f"{s.owner.name} meets {s.subject.name} at least "
                         f"{_cadence(g, s.subject.id)}" for s in a.steps)
    return _RESULT[kind].format(owner=owner, subject=a.subject.name,
                                cadence=_cadence(g, a.subject.id),
                                low=config.effort_min_hours, high=config.effort_max_hours)


def action_list(view: AccountView, config: Config) -> list[str]:
    """The action list (slide 37): which of ours takes what action, when, with what
    expected result."""
    out = ["## Action list", "",
           "One action per problem, most important first, each with one owner of ours.", "",
           _row(["#", "Priority", "About", "Problem", "Action", "Who (ours)", "With", "By",
                 "Expected result"]), "|---|---|---|---|---|---|---|---|---|"]
    for a in view.audit.actions:
        out.append(_row([a.rank, a.priority.value, a.subject.name, a.problem, a.action,
                         a.owner.name if a.owner else "the account team",
                         ", ".join(w.name for w in a.with_),
                         a.due.isoformat() if a.due else "",
                         expected_result(a, view.graph, config)]))
    if not view.audit.actions:
        out.append("Nothing to act on.")
    return [*out, ""]


def since_last_plan(view: AccountView, config: Config) -> list[str]:
    """What became of the actions of the last plan (the follow-up kept before this day),
    and where the account stood at each follow-up kept: the review meeting's questions."""
    from kamgraph.followup import followup_counts, since_counts

    audit = view.audit
    out = ["## Since the last plan", ""]
    if audit.since is None:
        return [*out, "No plan was kept before this one: the next sync's follow-up says "
                      "which of these actions were done.", ""]
    counts = since_counts(audit.followup, audit.since)
    line = followup_counts(counts, audit.since)
    out += [f"{md_escape(line[:1].upper() + line[1:])}.", ""]
    shown = [e for e in audit.followup
             if e.resolved_since(audit.since) or e.label(audit.since) == "overdue"]
    if shown:
        out += ["| Status | Action | Owner | Given | Due | What shows it |",
                "|---|---|---|---|---|---|"]
        out += [_row([e.label(audit.since), e.action.headline,
                      e.action.owner.name if e.action.owner else "",
                      e.given.isoformat(), e.action.due.isoformat() if e.action.due else "",
                      e.why or ""]) for e in shown]
        out.append("")
    if len(audit.progress) > 1:
        out += ["| Audit | Stage | Key people covered |", "|---|---|---|"]
        out += [_row([p.as_of.isoformat(), (stage_label(p.stage) if p.stage else "not classified"),
                      f"{p.key_covered} of {p.key_people}"]) for p in audit.progress]
        out.append("")
    return out


#: The plan's sections, in order: what it opens with (objectives, competitors, needs,
#: deals), where we stand, the DMU and PSU, the maps, the effort budget, the actions.  A
#: new section goes in here.
SECTIONS: tuple[Section, ...] = (
    _title, objectives, since_last_plan, _listed("Competitors", "competitors"),
    _listed("Business needs", "business_needs"), open_deals, standing, dmu, psu, changes,
    relationships, target_map, effort_budget, action_list)


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
