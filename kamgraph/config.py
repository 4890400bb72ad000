"""Every threshold, window, weight and table in one place, overridable in ``kamgraph.toml``.

Defaults are documented on each field and in ``docs/config.md``.  A ``kamgraph.toml`` in
the working directory (or the file named by ``--config`` or ``KAMGRAPH_CONFIG``) overrides
them; unknown keys are errors, so a typo never silently keeps a default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamgraph.errors import ConfigError
from kamgraph.functions import C_LEVEL_DOMAINS, CUSTOMER_FUNCTIONS, SUPPLIER_FUNCTIONS
from kamgraph.model import Level, Stance, SupplierRole
from kamgraph.titles import DEFAULT_LEVEL, TitleRule

__all__ = [
    "Capacity", "Config", "CrmSettings", "SalesforceFields", "config_from_dict", "load_config"]


class _ReadOnlyDict(dict[str, Any]):
    """A dict nobody can change after it is built, and that pickles (for worker processes)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("settings are read-only; build a new Config instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        return (_ReadOnlyDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return _ReadOnlyDict(mapping)


@dataclass(frozen=True)
class SalesforceFields:
    """Custom fields of an org that carry facts the standard objects lack.

    Each value names a column (API name, case-insensitive) of ``Contact.csv``; ``None``
    means the org has no such field.  ``stance_values`` maps the field's picklist values
    (case-insensitive) to kamgraph stances.
    """

    stance: str | None = None
    influence: str | None = None  # a number; 0..1, or 0..100 / 1..5 scaled by influence_scale
    influence_scale: float = 1.0  # divide the raw value by this to get 0..1
    dos: str | None = None
    donts: str | None = None
    stance_values: Mapping[str, str] = field(default_factory=lambda: _frozen({}))


@dataclass(frozen=True)
class CrmSettings:
    """How to read one CRM's export where it differs from the defaults (HubSpot, Dynamics).

    ``headers`` maps a header the export writes (any case) to the name kamgraph knows:
    the way to read an export whose labels are in another language.  ``team`` maps a
    user-type column of the company / account file (a HubSpot "Technical account
    manager" property, say) to the supplier role of the user it names.
    """

    headers: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    team: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    #: A contact property holding the Record ID of the person's manager (HubSpot has no
    #: standard reports-to field; a portal adds one).
    reports_to: str | None = None


@dataclass(frozen=True)
class Limits:
    """What one export may hold before it is refused: set in ``kamgraph.toml``
    (``[limits]``); the defaults pass any real export."""

    #: Bytes one zip member may decompress to.
    member_bytes: int = 2_000_000_000
    #: How many times its compressed size a zip member may grow.
    zip_ratio: float = 200.0
    #: Characters one line of a CSV file may hold.
    row_chars: int = 1_000_000
    #: Characters one field may hold (a quoted field may span lines).
    field_chars: int = 1_000_000


@dataclass(frozen=True)
class Capacity:
    """What our people's time holds, and what each ask of it costs (``[capacity]``).

    Defaults from public practice (``docs/config.md``, "Capacity"): an executive gives
    18 hours a month to customers and sponsors about 1.6 accounts (Cisco: 125 executives
    for 194 accounts), never ten; a key account manager spends 60–80 hours a year on each
    key account they lead (seed 003); a relationship kept alive costs 2–8 hours a month;
    C-level people are met quarterly, VPs and directors monthly, operational people
    weekly to fortnightly.
    """

    #: Hours a month for relationship work, by level (``[capacity.hours]``).
    hours: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "c_level": 18.0, "vp": 24.0, "director": 24.0, "head": 12.0, "manager": 12.0,
        "individual_contributor": 12.0}))
    #: A key account manager or director: hours a year for each account they lead.
    lead_hours_per_account: float = 70.0
    #: Asks due in one month a C-level person takes at most, and anyone at most.
    max_asks_c_level: int = 6
    max_asks: int = 12
    #: Accounts one executive sponsors at most (1 to 3).
    sponsor_accounts: int = 2
    #: Our people at or above this level are executives: they sponsor accounts, and give
    #: no time to accounts the strategy serves minimally.
    executive_level: Level = Level.C_LEVEL
    #: Hours an ask costs (``[capacity.effort]``): a first meeting with its preparation;
    #: an introduction, for the introducer; acting on a relationship one holds; an
    #: account-level task (a committee, a successor, the changes); directing a shared
    #: problem's steps.
    effort: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "first_meeting": 3.0, "introduction": 0.5, "act_on_relationship": 1.0,
        "account_task": 2.0, "direct": 0.5}))
    #: A relationship kept (a second thread, a regular one): hours a month by the level
    #: of the person met, at the cadence of that level (``[capacity.cadence]``).
    cadence: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "c_level": 1.0, "vp": 2.0, "director": 2.0, "head": 3.0, "manager": 4.0,
        "individual_contributor": 4.0}))
    #: How much an account's asks weigh against others' by its portfolio strategy
    #: (``[capacity.strategy]``); an account with none placed weighs by its open pipeline
    #: and revenue, between the lowest and highest of these.
    strategy: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "develop": 1.0, "defend": 0.9, "maintain selectively": 0.5,
        "maintain minimally": 0.2, "withdraw": 0.1}))
    #: Months an ask may move to before it goes to "next quarter".
    horizon_months: int = 3

    def level_hours(self, level: str) -> float:
        return float(self.hours.get(level, self.hours.get("individual_contributor", 12.0)))


@dataclass(frozen=True)
class Config:
    """Analysis settings.  Every number an analysis uses comes from here."""

    #: A relationship is active when its last contact is at most this many days old.
    recency_days: int = 90
    #: The window over which the contact frequency class is measured.
    frequency_window_days: int = 90
    #: Recorded influence (0..1) at or above which a customer person is key.
    key_influence: float = 0.7
    #: Customer people at or above this level are key.
    key_level: Level = Level.DIRECTOR
    #: Extra title rules tried before the built-in table.
    title_rules: tuple[TitleRule, ...] = ()
    #: Level of a title no rule places.
    default_level: Level = DEFAULT_LEVEL
    #: Customer functions (rows of the relationship map) and their keywords.
    customer_functions: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: _frozen({k: tuple(v) for k, v in CUSTOMER_FUNCTIONS.items()})
    )
    #: Our functions (columns of the relationship map) and their keywords.
    supplier_functions: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: _frozen({k: tuple(v) for k, v in SUPPLIER_FUNCTIONS.items()})
    )
    #: C-level titles naming a domain: (pattern on the normalised title, their function,
    #: ours), first match wins; configured rules ([[functions.c_level]]) come first.
    c_level_functions: tuple[tuple[str, str, str], ...] = C_LEVEL_DOMAINS
    #: Customer functions whose absence from our coverage is worth a finding.
    gap_functions: tuple[str, ...] = (
        "senior_management",
        "purchasing",
        "r_and_d",
        "quality_control",
        "operations",
        "planning",
        "finance",
        "marketing",
    )
    #: Scores at or above these are high / medium severity; below, low.
    severity_high: float = 0.7
    severity_medium: float = 0.5
    #: Seniority levels whose absence from our coverage is worth a finding.
    gap_levels: tuple[str, ...] = ("c_level", "vp", "director")
    #: key_person_risk: flag our people whose departure loses this share of
    #: influence-weighted coverage of the key people, or more.
    key_person_risk_threshold: float = 0.25
    #: Two-way contacts (held meetings, connected calls) within the frequency window
    #: that make a person engaged: never flagged as a likely anti-sponsor.
    engaged_min_two_way: int = 3
    #: anti_sponsor: a person is flagged at or above this score.
    anti_sponsor_threshold: float = 0.35
    #: anti_sponsor: the weight of each signal (each signal scaled to 0..1 first).
    anti_sponsor_weights: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "recorded_anti_sponsor": 0.7,
        "recorded_skeptic": 0.3,
        "declined_meetings": 0.3,
        "unanswered_calls": 0.2,
        "no_response": 0.15,
        "falling_frequency": 0.2,
        "lost_decisions": 0.2,
        "ties_to_anti_sponsor": 0.15,
        "influence_without_engagement": 0.15,
        "negative_sentiment": 0.3,
    }))
    #: Mirror relationships: their function -> our functions that make a peer, best first.
    mirror_table: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen({
        "senior_management": ("senior_management",),
        "purchasing": ("field_sales", "senior_management"),
        "r_and_d": ("technical_service",),
        "quality_control": ("technical_service",),
        "planning": ("distribution", "inside_sales"),
        "operations": ("operations", "technical_service", "distribution"),
        "marketing": ("marketing", "field_sales"),
        "finance": ("finance", "senior_management"),
        "outside_agencies": ("field_sales",),
    }))
    #: A peer is at most this many levels above or below the customer person.
    mirror_level_gap: int = 1
    #: mirror_mismatch: a senior person whose only links are this many levels junior.
    mismatch_level_gap: int = 3
    #: Key accounts one of our people can serve when their record gives no capacity.
    default_capacity: int = 6
    #: hidden_influencer: derived influence (0..1, the account's most influential = 1)
    #: at or above which a person with no recorded role is flagged.
    hidden_influencer_threshold: float = 0.6
    #: The buying committee: each entry is a role, or roles separated by "|" of which any
    #: one will do.
    committee_roles: tuple[str, ...] = (
        "economic_buyer", "decision_maker", "technical_buyer", "coach|champion",
    )
    #: coverage_effort: the benchmark band of contact hours per key account per year.
    effort_min_hours: float = 60.0
    #: Above this, the account may be over-served.
    effort_max_hours: float = 80.0
    #: Stage: share of active links through the KAM-contact pair that makes a bow-tie.
    bowtie_share: float = 0.6
    #: Stage: a share of our coverage of key people that one departure would take, at or
    #: above which the account is at most Mid KAM (a partnership has no single point of
    #: failure).
    stage_dependence_max: float = 0.5
    #: Strength: a contact's weight halves every this many days (a new relationship)...
    strength_half_life_days: float = 45.0
    #: ...and up to this many times more slowly for a relationship a year old or more.
    strength_tenure_factor: float = 2.0
    #: Strength: decayed activity at which strength reaches 1 - 1/e (about 0.63).
    strength_scale: float = 3.0
    #: Strength: what each kind of contact counts for, before decay.  Two-way contact
    #: (a held meeting, a connected call) counts most; one-way e-mail little.
    strength_weights: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "meeting": 1.0, "call": 0.6, "other": 0.4, "email": 0.1,
    }))
    #: Strength of a relationship with no two-way contact in a year: at most this.
    strength_one_way_cap: float = 0.2
    #: Strength lost per level of seniority between the two people (at most 40 %).
    strength_level_penalty: float = 0.08
    #: Bands: regular at or above the first, occasional at or above the second.
    strength_regular: float = 0.7
    strength_occasional: float = 0.4
    #: A key person has gone quiet after this many days without two-way contact.
    quiet_days: int = 30
    #: Too few contacts: covered people wanted per this much of an open deal's amount.
    deal_amount_per_contact: float = 100_000.0
    #: An open deal whose close date passed this many days ago is stale: no committee
    #: or map action for it, one line to close or re-date it (``[deals]``).
    deal_stale_after_days: int = 90
    #: A committee action is high only for a deal this large, or closing within
    #: ``deal_closing_soon_days``; medium otherwise (``[deals]``).
    deal_large_amount: float = 500_000.0
    deal_closing_soon_days: int = 45
    #: Actions an account's audit table and Markdown show before "and N more (--all)"
    #: (``[audit] max_actions``); the JSON holds them all.
    max_actions: int = 7
    #: Actions of one account that may be high priority; later ones are medium
    #: (``[audit] max_high_actions``).
    max_high_actions: int = 3
    #: Actions one person of ours is given in one account before the next best is asked
    #: (``[audit] max_actions_per_owner``).
    max_actions_per_owner: int = 3
    #: Findings of one kind an account's report lists (JSON, ``--findings``), most
    #: severe first; the rest are counted as held back (``[audit] findings_per_kind``).
    #: Actions are made from every finding.  ``--all`` lists them all.
    findings_per_kind: int = 20
    #: A full sync that would mark more than this share of a source's active records
    #: inactive stops with nothing written (``[sync] max_inactive_share``; 0..1).
    max_inactive_share: float = 0.2
    #: Changes are reported (by ``changes``, the audit, the maps) while the run that first
    #: saw them is at most this many days before the as-of date
    #: (``[changes] window_days``), whatever syncs came between.
    change_window_days: int = 30
    #: A map of more people than this opens with each customer function collapsed into
    #: one node; key people and the people in actions stay (``[map] expand_limit``).
    map_expand_limit: int = 150
    #: What one export may hold before it is refused (``[limits]``).
    limits: Limits = field(default_factory=Limits)
    #: What our people's time holds across the portfolio (``[capacity]``).
    capacity: Capacity = field(default_factory=Capacity)
    #: Salesforce custom fields.
    salesforce: SalesforceFields = field(default_factory=SalesforceFields)
    #: Extra Salesforce role labels: OpportunityContactRole.Role -> customer role.
    contact_role_map: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    #: Extra AccountTeamMember.TeamMemberRole labels -> supplier role.
    team_role_map: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    #: HubSpot exports: localised headers, and company properties naming team members.
    hubspot: CrmSettings = field(default_factory=CrmSettings)
    #: Dynamics 365 exports: localised headers, and account columns naming team members.
    dynamics: CrmSettings = field(default_factory=CrmSettings)
    #: The order of a spreadsheet's short dates whose every value reads both ways
    #: (02/03/2026): "month-first" or "day-first" (``[dates] order``); None: such a
    #: column is an error unless the export's other dates tell the order.
    date_order: str | None = None


def _scalars() -> dict[str, type]:
    """Settings that are plain numbers, by their default's type."""
    out: dict[str, type] = {}
    for f in dataclasses.fields(Config):
        default = f.default
        if isinstance(default, bool):
            continue
        if isinstance(default, int | float):
            out[f.name] = type(default)
    return out


_SCALARS = _scalars()
_AUDIT_KEYS = ("max_actions", "max_high_actions", "max_actions_per_owner",
               "findings_per_kind")
_STRING_LISTS = ("gap_functions", "gap_levels", "committee_roles")


def _fail(path: Path, key: str, message: str) -> ConfigError:
    return ConfigError(f"{path} [{key}]: {message}")


def _level(path: Path, key: str, value: Any) -> Level:
    try:
        return Level(value)
    except ValueError:
        allowed = ", ".join(level.value for level in Level)
        raise _fail(path, key, f"unknown level {value!r} (one of {allowed})") from None


def _str_map(path: Path, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _fail(path, key, "expected a table of strings")
    return {str(k): v for k, v in value.items()}


def _weights(path: Path, key: str, value: Any, base: Mapping[str, float]
             ) -> Mapping[str, float]:
    """Override some of a table of named weights; every name must be known."""
    if not isinstance(value, dict):
        raise _fail(path, key, "expected a table of name = weight")
    weights = dict(base)
    for name, weight in value.items():
        if name not in weights:
            raise _fail(path, f"{key}.{name}", f"unknown name (one of {', '.join(weights)})")
        if not isinstance(weight, int | float) or isinstance(weight, bool):
            raise _fail(path, f"{key}.{name}", "expected a number")
        weights[name] = float(weight)
    return _frozen(weights)


def _function_table(
    path: Path, key: str, value: Any, base: Mapping[str, tuple[str, ...]]
) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _fail(path, key, "expected a table of keyword lists")
    merged = {k: tuple(v) for k, v in base.items()}
    for name, words in value.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise _fail(path, f"{key}.{name}", "expected a list of keywords")
        # Configured keywords come first so they win over the built-in ones.
        extra = tuple(w.lower() for w in words)
        rest = {k: v for k, v in merged.items() if k != name}
        merged = {name: extra + merged.get(name, ()), **rest}
    return _frozen(merged)


def _c_level_rules(path: Path, value: Any) -> tuple[tuple[str, str, str], ...]:
    """``[[functions.c_level]]`` rules: pattern, customer (their function), supplier (ours)."""
    import re

    if not isinstance(value, list):
        raise _fail(path, "functions.c_level", "expected a list of {pattern, customer, supplier}")
    rules = []
    for i, rule in enumerate(value):
        where = f"functions.c_level[{i}]"
        if not isinstance(rule, dict) or set(rule) != {"pattern", "customer", "supplier"} \
                or not all(isinstance(v, str) for v in rule.values()):
            raise _fail(path, where, "expected {pattern = '...', customer = '...', "
                                     "supplier = '...'}")
        try:
            re.compile(rule["pattern"])
        except re.error as exc:
            raise _fail(path, where, f"not a regular expression: {exc}") from None
        rules.append((rule["pattern"], rule["customer"], rule["supplier"]))
    return tuple(rules)


def config_from_dict(data: Mapping[str, Any], path: Path) -> Config:
    """Build a :class:`Config` from parsed TOML, rejecting unknown keys."""
    kwargs: dict[str, Any] = {}
    base = Config()
    for key, value in data.items():
        if key in _SCALARS:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise _fail(path, key, "expected a number")
            kwargs[key] = _SCALARS[key](value)
        elif key == "key_level":
            kwargs[key] = _level(path, key, value)
        elif key == "titles":
            if not isinstance(value, dict) or set(value) - {"rules", "default_level"}:
                raise _fail(path, key, "expected keys rules and default_level")
            if "default_level" in value:
                kwargs["default_level"] = _level(
                    path, "titles.default_level", value["default_level"]
                )
            rules = []
            for i, rule in enumerate(value.get("rules", [])):
                where = f"titles.rules[{i}]"
                if not isinstance(rule, dict) or set(rule) != {"pattern", "level"}:
                    raise _fail(path, where, "expected {pattern = '...', level = '...'}")
                rules.append(TitleRule(str(rule["pattern"]), _level(path, where, rule["level"])))
            kwargs["title_rules"] = tuple(rules)
        elif key == "functions":
            if not isinstance(value, dict) or set(value) - {"customer", "supplier", "c_level"}:
                raise _fail(path, key, "expected [functions.customer], [functions.supplier] "
                                       "and [[functions.c_level]]")
            if "c_level" in value:
                kwargs["c_level_functions"] = _c_level_rules(path, value["c_level"]) \
                    + base.c_level_functions
            if "customer" in value:
                kwargs["customer_functions"] = _function_table(
                    path, "functions.customer", value["customer"], base.customer_functions
                )
            if "supplier" in value:
                kwargs["supplier_functions"] = _function_table(
                    path, "functions.supplier", value["supplier"], base.supplier_functions
                )
        elif key in _STRING_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _fail(path, key, "expected a list of names")
            kwargs[key] = tuple(value)
        elif key in ("strength_weights", "anti_sponsor_weights"):
            kwargs[key] = _weights(path, key, value, getattr(base, key))
        elif key == "mirror_table":
            if not isinstance(value, dict):
                raise _fail(path, key, "expected a table of function = [our functions]")
            table = dict(base.mirror_table)
            for function, ours in value.items():
                if not isinstance(ours, list) or not all(isinstance(o, str) for o in ours):
                    raise _fail(path, f"{key}.{function}", "expected a list of our functions")
                table[function] = tuple(ours)
            kwargs[key] = _frozen(table)
        elif key == "audit":
            if not isinstance(value, dict):
                raise _fail(path, key, "expected a table")
            for name, number in value.items():
                if name not in _AUDIT_KEYS:
                    raise _fail(path, f"audit.{name}",
                                f"unknown setting (one of {', '.join(_AUDIT_KEYS)})")
                if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                    raise _fail(path, f"audit.{name}", "expected a whole number of 1 or more")
                kwargs[name] = number
        elif key == "limits":
            if not isinstance(value, dict):
                raise _fail(path, key, "expected a table")
            allowed = {f.name: f.type for f in dataclasses.fields(Limits)}
            numbers: dict[str, Any] = {}
            for name, number in value.items():
                if name not in allowed:
                    raise _fail(path, f"limits.{name}",
                                f"unknown limit (one of {', '.join(allowed)})")
                if not isinstance(number, int | float) or isinstance(number, bool) \
                        or number <= 0:
                    raise _fail(path, f"limits.{name}", "expected a positive number")
                numbers[name] = float(number) if name == "zip_ratio" else int(number)
            kwargs["limits"] = Limits(**numbers)
        elif key == "sync":
            if not isinstance(value, dict) or set(value) - {"max_inactive_share"}:
                raise _fail(path, key, "expected max_inactive_share")
            share = value.get("max_inactive_share", base.max_inactive_share)
            if not isinstance(share, int | float) or isinstance(share, bool) \
                    or not 0 <= share <= 1:
                raise _fail(path, "sync.max_inactive_share", "expected a share from 0 to 1")
            kwargs["max_inactive_share"] = float(share)
        elif key == "map":
            if not isinstance(value, dict) or set(value) - {"expand_limit"}:
                raise _fail(path, key, "expected expand_limit")
            limit = value.get("expand_limit", base.map_expand_limit)
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 10:
                raise _fail(path, "map.expand_limit", "expected a whole number, 10 or more")
            kwargs["map_expand_limit"] = limit
        elif key == "changes":
            if not isinstance(value, dict) or set(value) - {"window_days"}:
                raise _fail(path, key, "expected window_days")
            days = value.get("window_days", base.change_window_days)
            if not isinstance(days, int) or isinstance(days, bool) or days < 1:
                raise _fail(path, "changes.window_days", "expected a whole number of days, "
                                                         "1 or more")
            kwargs["change_window_days"] = days
        elif key == "capacity":
            kwargs[key] = _capacity(path, value)
        elif key == "deals":
            allowed = {"stale_after_days": "deal_stale_after_days",
                       "large_amount": "deal_large_amount",
                       "closing_soon_days": "deal_closing_soon_days"}
            if not isinstance(value, dict) or set(value) - set(allowed):
                raise _fail(path, key, f"expected {', '.join(allowed)}")
            for name, number in value.items():
                if not isinstance(number, int | float) or isinstance(number, bool) \
                        or number < 0:
                    raise _fail(path, f"deals.{name}", "expected a number, 0 or more")
                setting = str(allowed[name])
                kwargs[setting] = type(getattr(base, setting))(number)
        elif key == "salesforce":
            kwargs[key] = _salesforce(path, value)
        elif key in ("hubspot", "dynamics"):
            kwargs[key] = _crm(path, key, value)
        elif key == "dates":
            orders = ("month-first", "day-first")
            if not isinstance(value, dict) or set(value) - {"order"}:
                raise _fail(path, key, "expected order")
            if value.get("order") not in orders:
                raise _fail(path, "dates.order", 'expected "month-first" (02/23/2026) or '
                                                 '"day-first" (23/02/2026)')
            kwargs["date_order"] = value["order"]
        elif key in ("contact_role_map", "team_role_map"):
            kwargs[key] = _frozen({k.lower(): v for k, v in _str_map(path, key, value).items()})
        else:
            raise _fail(path, key, "unknown setting")
    return dataclasses.replace(base, **kwargs)


def _capacity(path: Path, value: Any) -> Capacity:
    """``[capacity]``: numbers, and the tables hours, effort, cadence and strategy."""
    base = Capacity()
    if not isinstance(value, dict):
        raise _fail(path, "capacity", "expected a table")
    kwargs: dict[str, Any] = {}
    levels = {level.value for level in Level}
    for name, item in value.items():
        where = f"capacity.{name}"
        if name in ("hours", "cadence"):
            if isinstance(item, dict) and set(item) - levels:
                bad = sorted(set(item) - levels)[0]
                raise _fail(path, f"{where}.{bad}", f"unknown level (one of {', '.join(levels)})")
            kwargs[name] = _weights(path, where, item, getattr(base, name))
        elif name in ("effort", "strategy"):
            kwargs[name] = _weights(path, where, item, getattr(base, name))
        elif name == "executive_level":
            kwargs[name] = _level(path, where, item)
        elif name in ("lead_hours_per_account",):
            if not isinstance(item, int | float) or isinstance(item, bool) or item < 0:
                raise _fail(path, where, "expected a number of hours, 0 or more")
            kwargs[name] = float(item)
        elif name in ("max_asks_c_level", "max_asks", "sponsor_accounts", "horizon_months"):
            top = 3 if name == "sponsor_accounts" else 10_000
            if not isinstance(item, int) or isinstance(item, bool) or not 1 <= item <= top:
                raise _fail(path, where, f"expected a whole number from 1 to {top}")
            kwargs[name] = item
        else:
            raise _fail(path, where, "unknown setting")
    return dataclasses.replace(base, **kwargs)


def _salesforce(path: Path, value: Any) -> SalesforceFields:
    if not isinstance(value, dict) or set(value) - {"fields", "stance_values"}:
        raise _fail(
            path, "salesforce", "expected [salesforce.fields] and [salesforce.stance_values]"
        )
    names = {f.name for f in dataclasses.fields(SalesforceFields)} - {"stance_values"}
    fields_ = value.get("fields", {})
    if not isinstance(fields_, dict):
        raise _fail(path, "salesforce.fields", "expected a table")
    kwargs: dict[str, Any] = {}
    for name, column in fields_.items():
        if name not in names:
            raise _fail(path, f"salesforce.fields.{name}", "unknown field")
        if name == "influence_scale":
            if not isinstance(column, int | float) or column <= 0:
                raise _fail(path, "salesforce.fields.influence_scale", "expected a positive number")
            kwargs[name] = float(column)
        else:
            kwargs[name] = str(column)
    if "stance_values" in value:
        raw = _str_map(path, "salesforce.stance_values", value["stance_values"])
        allowed = {s.value for s in Stance}
        for label, stance in raw.items():
            if stance not in allowed:
                raise _fail(path, f"salesforce.stance_values.{label}", f"unknown stance {stance!r}")
        kwargs["stance_values"] = _frozen({k.lower(): v for k, v in raw.items()})
    return SalesforceFields(**kwargs)


def _crm(path: Path, key: str, value: Any) -> CrmSettings:
    allowed = {"headers", "team", "reports_to"} if key == "hubspot" else {"headers", "team"}
    if not isinstance(value, dict) or set(value) - allowed:
        extra = " and reports_to" if key == "hubspot" else ""
        raise _fail(path, key, f"expected [{key}.headers] and [{key}.team]{extra}")
    reports_to = value.get("reports_to")
    if reports_to is not None and (not isinstance(reports_to, str) or not reports_to.strip()):
        raise _fail(path, f"{key}.reports_to", "expected the name of a contact property")
    headers = _str_map(path, f"{key}.headers", value.get("headers", {}))
    team = _str_map(path, f"{key}.team", value.get("team", {}))
    roles = {r.value for r in SupplierRole}
    for column, role in team.items():
        if role not in roles:
            raise _fail(path, f"{key}.team.{column}",
                        f"unknown supplier role {role!r} (one of {', '.join(sorted(roles))})")
    return CrmSettings(
        headers=_frozen({k.strip().lower(): v.strip() for k, v in headers.items()}),
        team=_frozen(dict(team)),
        reports_to=reports_to.strip() if isinstance(reports_to, str) else None,
    )


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path``, else ``$KAMGRAPH_CONFIG``, else ``./kamgraph.toml`` if it exists."""
    explicit = path is not None or "KAMGRAPH_CONFIG" in os.environ
    chosen = Path(path or os.environ.get("KAMGRAPH_CONFIG") or "kamgraph.toml")
    if not chosen.exists():
        if explicit:
            raise ConfigError(f"{chosen}: config file not found")
        return Config()
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{chosen}: cannot read config: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    return config_from_dict(data, chosen)
