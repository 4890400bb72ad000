"""An action's words, written last from what it needs and who was chosen: never read
back by anything that decides."""

from __future__ import annotations

from kamgraph.actions.asks import Brief
from kamgraph.actions.drafts import GROUP_NAMED, Draft, How, Intro, Why, and_list
from kamgraph.actions.person import threads_of
from kamgraph.analysis.findings import RelationshipLevelData, RoleVacatedData, Severity

__all__ = ["word"]

_VERBS = {Why.MEET: "meets", Why.THREAD: "becomes a second thread to",
          Why.FIRST_THREAD: "builds a regular relationship with",
          Why.PEER: "becomes the peer of", Why.SENIOR: "joins the relationship with"}
_GROUP_VERBS = {Why.MEET: "meet", Why.PEER: "become the peer of",
                Why.THREAD: "become a second thread to",
                Why.FIRST_THREAD: "build a regular relationship with",
                Why.HANDOVER: "take over the relationship with"}


def word(d: Draft, brief: Brief, when: str | None = None) -> str:
    """The sentence that says who does what with whom, and when (by default this month
    for a high action, this quarter otherwise)."""
    when = when or ("this month" if d.priority is Severity.HIGH else "this quarter")
    need = d.need
    if need.how is How.NEW:
        return _new_relationship(d, brief, when)
    if need.how is How.GROUP:
        return _group(d, brief, when)
    who = brief.name(d.owner) if d.owner else "The account team"
    name = brief.name(need.node) if need.node else ""
    if need.how is How.ANTI:
        champion = brief.champions.get(need.node)
        # "the stance of": a name told apart by its title takes no possessive.
        check = (f"checks the stance of {name} with {brief.name(champion)}"
                 if champion else f"confirms the stance of {name} with a coach")
        return (f"{who} {check}, answers their objections in writing and builds support "
                f"around them; no introduction goes through them.")
    if need.how is How.HOLDER:
        if need.why is Why.QUIET:
            return f"{who} finds out why {name} went quiet and re-engages {when}."
        if need.why is Why.LEVEL and need.finding is not None:
            data = need.finding.data
            assert isinstance(data, RelationshipLevelData)
            return (f"{who} agrees a plan to deepen the relationship with {name} to "
                    f"{data.toward}" + ("; meanwhile re-check the recorded level."
                                        if data.unbacked else "."))
        return f"{who} finds out what role {name} plays in the buying decision and records it."
    if need.how is How.COMMITTEE:
        team = f"{who} and the account team" if d.owner else "The account team"
        return f"{team} " + "; ".join(need.steps) + f" {when}."
    if need.how is How.VACATED and need.finding is not None:
        data = need.finding.data
        assert isinstance(data, RoleVacatedData)
        ask = f" — is it {data.likely_name}?" if data.likely_name else "."
        return (f"{who} finds out who takes over from {data.name} as "
                f"{' and '.join(data.labels)} on {', '.join(data.where)} {when}{ask}")
    if need.how is How.SUCCESSOR:
        return (f"{who} names a successor to {need.text} as the account's lead {when}, and "
                f"leads the account meanwhile.")
    if need.how is How.CHANGES:
        return f"{who} " + "; ".join(need.steps) + f" {when}."
    if need.how is How.MAP:
        return f"{who} maps {d.subject.name}: record who buys, decides and influences there."
    return need.text


def _introduced(intro: Intro | None, brief: Brief) -> str:
    if intro is None or intro.mode == "team":
        return "through the account team"
    if intro.mode == "revive":
        return "reviving the relationship"
    if intro.mode == "ask":
        return f"asking {brief.name(str(intro.through))} for the introduction"
    if intro.mode == "gate":
        return (f"through {brief.name(str(intro.through))}, once someone of ours meets "
                f"them")
    through = f" through {brief.name(intro.through)}" if intro.through else ""
    return f"introduced by {brief.name(str(intro.by))}{through}"


def _new_relationship(d: Draft, brief: Brief, when: str) -> str:
    """Someone of ours opens (or adds, or takes over) a relationship with a person."""
    need = d.need
    name = brief.name(need.node)
    if d.unfilled or d.owner is None:
        who = brief.name(d.owner) if d.owner else "The account team"
        return (f"{who} names someone of ours to meet {name}: nobody with a fitting role and "
                f"spare capacity is free.")
    owner = brief.name(d.owner)
    if need.successor:
        return (f"The successor to {need.text} takes over the relationship with {name} "
                f"{when}, {_introduced(d.intro, brief)}; {owner} names them.")
    holds = d.owner in brief.holders.get(need.node, ())
    if need.why is Why.HANDOVER and holds:
        return (f"{owner} takes over {need.text}'s relationship with {name} {when}, building "
                f"on their own.")
    if need.why is Why.FIRST_THREAD and holds:
        return f"{owner} builds their relationship with {name} into a regular one {when}."
    how = _introduced(d.intro, brief)
    holders = brief.holders.get(need.node, ())
    if need.why is Why.THREAD and need.moved and holders:
        # "the time X spends": a name told apart by its title takes no possessive.
        return (f"{owner} takes over part of the time {brief.name(holders[0])} spends with {name} "
                f"{when} as a second thread, {how}: no hours added.")
    if need.why is Why.HANDOVER:
        return f"{owner} takes over {need.text}'s relationship with {name} {when}, {how}."
    return f"{owner} {_VERBS[need.why]} {name} {when}, {how}."


def _unfilled(d: Draft, brief: Brief, who: str, verb: str, when: str, more: str) -> str:
    """A shared problem nobody fitting is free to take: its owner names whoever takes
    it ("someone" for one person of theirs, "people" for several)."""
    people = d.need.steps
    named = and_list([brief.name(n) for n in people[:GROUP_NAMED]])
    whom = "someone of ours" if len(people) == 1 else "people of ours"
    if not (d.need.moved and d.need.why is Why.THREAD):
        return f"{who} names {whom} to {verb} {named} {when}{more}."
    holders = {h for n in people[:GROUP_NAMED] for h in brief.holders.get(n, ())[:1]}
    if len(holders) != 1:
        return (f"{who} names {whom} to take over part of the time their holders spend "
                f"with {named} {when}{more}: no hours added.")
    holder = holders.pop()
    time = "their own time" if holder == d.owner else f"the time {brief.name(holder)} spends"
    return f"{who} names {whom} to take over part of {time} with {named} {when}{more}: " \
        "no hours added."


def _group(d: Draft, brief: Brief, when: str) -> str:
    """The lead has people of ours take the first people of a shared problem."""
    need = d.need
    people = need.steps
    rest = len(people) - GROUP_NAMED
    more = f"; then the other {rest}" if rest > 0 else ""
    who = brief.name(d.owner) if d.owner else "The account team"
    verb = _GROUP_VERBS[need.why]
    if need.successor:
        # The team once, and not capitalised mid-sentence.
        return (f"The successor to {need.text} takes over the relationships with "
                f"{and_list([brief.name(n) for n in people[:GROUP_NAMED]])} {when}{more}; "
                f"{brief.name(d.owner) if d.owner else 'the account team'} names them.")
    moved = need.moved
    if not d.steps:
        return _unfilled(d, brief, who, verb, when, more)
    lead = brief.lead

    def step(owner: str, person: str, holder: str | None) -> tuple[str, str]:
        """What ``owner`` is asked to do with ``person``: the verb, and whom."""
        said = verb
        second = need.why is Why.THREAD
        if need.why is Why.FIRST_THREAD:
            if owner in brief.holders.get(person, ()):
                return "build their relationship with", f"{brief.name(person)} into a regular one"
            if threads_of([f for f in d.findings if f.subject.id == person]):
                said = "become a second thread to"  # in a group where some have none
                second = True
        if moved and second and holder:
            return (f"take over part of the time {brief.name(holder)} spends with",
                    brief.name(person))
        introduced = (f" (introduced by {brief.name(holder)})" if holder and holder != lead
                      and need.why in (Why.THREAD, Why.FIRST_THREAD) else "")
        return said, f"{brief.name(person)}{introduced}"

    # One owner asked the same of several people is said once: "Quentin takes over the
    # relationships with A, B and C", not three times.
    merged: dict[tuple[str, str], list[str]] = {}
    for s in d.steps:
        said, whom = step(s.owner, s.person, s.holder)
        merged.setdefault((s.owner, said), []).append(whom)
    own: list[str] = []  # what the lead does themselves: "meets A"
    steps: list[str] = []  # what the lead has others do: "Rep meet B"
    for (owner, said), people_of in merged.items():
        if len(people_of) > 1:
            said = said.replace("relationship with", "relationships with")
        if d.owner is not None and owner == d.owner:
            verb_of, _, rest_of = said.partition(" ")  # "meet", "become the peer of"
            own.append(" ".join([f"{verb_of}s", *([rest_of] if rest_of else []),
                                 and_list(people_of)]))
        else:
            steps.append(f"{brief.name(owner)} {said} {and_list(people_of)}")
    nested = any(len(people_of) > 1 for people_of in merged.values())
    done = ([and_list(own, serial=nested)] if own else []) + (
        [f"has {and_list(steps, serial=nested)}"] if steps else [])
    added = ": no hours added" if moved and need.why is Why.THREAD else ""
    return f"{who} {and_list(done, serial=bool(own and steps))} {when}{more}{added}."
