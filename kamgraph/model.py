"""The domain vocabulary and the records that flow from loaders to stores.

Records are plain frozen dataclasses: a loader yields them, a store keeps them, and
:mod:`kamgraph.graph` turns one account's records into the networkx view that every
analysis reads.  Nothing here judges; the analyses do.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, StrEnum
from functools import cache
from typing import Any, ClassVar

#: Recorded relationship levels, lowest first.
RELATIONSHIP_LEVELS = ("vendor", "credible_source", "problem_solver", "trusted_advisor")
#: McDonald's stages of a key account relationship, in the order they develop (the
#: analysis's ``StageName`` values): what an account's target stage may name.
KAM_STAGES = ("pre_kam", "early_kam", "mid_kam", "partnership_kam", "synergistic_kam",
              "uncoupling_kam")

__all__ = [
    "KAM_STAGES",
    "RELATIONSHIP_LEVELS",
    "Account",
    "Channel",
    "ContactLog",
    "CustomerRole",
    "Frequency",
    "InfluenceLine",
    "Level",
    "LogEntry",
    "log_key_parts",
    "log_pair",
    "month_of",
    "Opportunity",
    "OpportunityRole",
    "Outcome",
    "Person",
    "Record",
    "RECORD_TYPES",
    "Relationship",
    "Side",
    "Stance",
    "SupplierRole",
    "TeamMember",
    "Touch",
    "day_of",
    "record_from_dict",
]


class Side(StrEnum):
    """Which company a person works for."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class Level(StrEnum):
    """Seniority, highest first; :attr:`rank` orders them (6 = C-level)."""

    C_LEVEL = "c_level"
    VP = "vp"
    DIRECTOR = "director"
    HEAD = "head"
    MANAGER = "manager"
    INDIVIDUAL = "individual_contributor"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]

    @property
    def label(self) -> str:
        return _LEVEL_LABEL[self]


_LEVEL_RANK = {
    Level.C_LEVEL: 6,
    Level.VP: 5,
    Level.DIRECTOR: 4,
    Level.HEAD: 3,
    Level.MANAGER: 2,
    Level.INDIVIDUAL: 1,
}
_LEVEL_LABEL = {
    Level.C_LEVEL: "C-level",
    Level.VP: "VP",
    Level.DIRECTOR: "Director",
    Level.HEAD: "Head",
    Level.MANAGER: "Manager",
    Level.INDIVIDUAL: "Individual contributor",
}


class Stance(StrEnum):
    """A customer person's stance toward us."""

    CHAMPION = "champion"
    SUPPORTER = "supporter"
    NEUTRAL = "neutral"
    SKEPTIC = "skeptic"
    ANTI_SPONSOR = "anti_sponsor"
    UNKNOWN = "unknown"


class CustomerRole(StrEnum):
    """Buying roles a customer person may hold (several at once)."""

    ECONOMIC_BUYER = "economic_buyer"
    DECISION_MAKER = "decision_maker"
    TECHNICAL_BUYER = "technical_buyer"
    INFLUENCER = "influencer"
    USER = "user"
    GATEKEEPER = "gatekeeper"
    COACH = "coach"
    EXECUTIVE_SPONSOR = "executive_sponsor"
    OTHER = "other"

    @property
    def is_decision_role(self) -> bool:
        return self in DECISION_ROLES


DECISION_ROLES = frozenset(
    {CustomerRole.ECONOMIC_BUYER, CustomerRole.DECISION_MAKER, CustomerRole.EXECUTIVE_SPONSOR}
)


class SupplierRole(StrEnum):
    """Roles our people play on an account team."""

    KEY_ACCOUNT_MANAGER = "key_account_manager"
    KEY_ACCOUNT_DIRECTOR = "key_account_director"
    EXECUTIVE_SPONSOR = "executive_sponsor"
    SALES = "sales"
    TECHNICAL_SERVICE = "technical_service"
    DELIVERY = "delivery"
    OTHER = "other"


class Frequency(StrEnum):
    """Contact frequency classes of the relationship map (slide 27), most frequent first."""

    TWICE_WEEKLY = "twice_weekly"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    OCCASIONALLY = "occasionally"
    NONE = "none"

    @property
    def rank(self) -> int:
        return _FREQ_RANK[self]


_FREQ_RANK = {
    Frequency.TWICE_WEEKLY: 4,
    Frequency.WEEKLY: 3,
    Frequency.MONTHLY: 2,
    Frequency.OCCASIONALLY: 1,
    Frequency.NONE: 0,
}


class Channel(StrEnum):
    """How a contact happened."""

    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    OTHER = "other"


class Outcome(StrEnum):
    """What came of a contact or an attempt at one."""

    HELD = "held"  # a meeting that took place, a connected call, a logged task
    SENT = "sent"  # one-way: an e-mail or a message without a known reply
    DECLINED = "declined"  # a meeting invitation the person declined
    UNANSWERED = "unanswered"  # a call with no answer, a voicemail, a busy line

    @property
    def is_contact(self) -> bool:
        """True when the two people actually met, spoke or wrote."""
        return self in (Outcome.HELD, Outcome.SENT)


@dataclass(frozen=True)
class Record:
    """Base of every stored record; ``deleted`` marks a record the source deleted."""

    kind: ClassVar[str] = "record"
    #: Fields a stored record leaves out while they are None: fields added after records
    #: were first stored, so that a record without them keeps its stored bytes.
    omit_none: ClassVar[frozenset[str]] = frozenset()
    deleted: bool = field(default=False, kw_only=True)

    def key(self) -> str:
        raise NotImplementedError

    def account_key(self) -> str | None:
        """The account this record belongs to, or None for our own people."""
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        values = self.__dict__
        omit = self.omit_none
        for name, encode in _encoders(type(self)):
            value = values[name]
            if value is None and name in omit:
                continue
            out[name] = value if encode is None or value is None else encode(value)
        return out


@dataclass(frozen=True)
class Account(Record):
    kind: ClassVar[str] = "account"
    id: str
    name: str | None  # None only in an overlay row that adds facts to a known account
    industry: str | None = None
    tier: str | None = None
    revenue: float | None = None
    attractiveness: str | None = None  # high, medium, low
    position: str | None = None  # strong, average, weak
    owner_id: str | None = None
    #: The account's objectives (the plan's opening, slide 29): what we want to achieve
    #: and by when, and what we know of the account (slides 31, 33).
    revenue_target: float | None = None
    share_of_wallet_target: float | None = None  # percent, 0..100
    target_stage: str | None = None  # one of KAM_STAGES
    review_date: date | None = None
    competitors: tuple[str, ...] | None = None
    business_needs: tuple[str, ...] | None = None
    omit_none: ClassVar[frozenset[str]] = frozenset({
        "revenue_target", "share_of_wallet_target", "target_stage", "review_date",
        "competitors", "business_needs"})

    def key(self) -> str:
        return self.id

    def account_key(self) -> str | None:
        return self.id


@dataclass(frozen=True)
class Person(Record):
    """A person on either side.  Fields a source does not know are None."""

    kind: ClassVar[str] = "person"
    id: str
    side: Side | None  # None only in an overlay row that adds facts to a known person
    name: str | None
    account_id: str | None = None
    title: str | None = None
    department: str | None = None
    function: str | None = None  # explicit; otherwise derived from department and title
    level: Level | None = None  # explicit; otherwise parsed from the title
    reports_to: str | None = None
    email: str | None = None
    active: bool | None = None  # False: the person has left
    roles: tuple[CustomerRole, ...] | None = None
    stance: Stance | None = None
    influence: float | None = None  # 0..1
    dos: str | None = None
    donts: str | None = None
    capacity: int | None = None  # our people: how many key accounts they can serve
    merged_into: str | None = None
    #: Our people: hours a month for relationship work (the capacity model's default by
    #: level and role when None).
    capacity_hours: float | None = None
    #: Theirs: a gatekeeper (nobody goes around them to the people above them), and whom
    #: to be introduced through.
    gatekeeper: bool | None = None
    introduce_through: str | None = None

    omit_none: ClassVar[frozenset[str]] = frozenset({"capacity_hours", "gatekeeper",
                                                     "introduce_through"})

    def key(self) -> str:
        return self.id

    def account_key(self) -> str | None:
        return self.account_id if self.side is not Side.SUPPLIER else None


@dataclass(frozen=True)
class TeamMember(Record):
    """One of our people on an account team, in a role."""

    kind: ClassVar[str] = "team_member"
    account_id: str
    person_id: str
    role: SupplierRole
    role_label: str | None = None

    def key(self) -> str:
        return f"{self.account_id}|{self.person_id}|{self.role.value}"

    def account_key(self) -> str | None:
        return self.account_id


@dataclass(frozen=True)
class InfluenceLine(Record):
    """``source_id`` sways ``target_id`` (both customer people of one account)."""

    kind: ClassVar[str] = "influence"
    account_id: str
    source_id: str
    target_id: str
    weight: float = 1.0
    note: str | None = None

    def key(self) -> str:
        return f"{self.source_id}|{self.target_id}"

    def account_key(self) -> str | None:
        return self.account_id


@dataclass(frozen=True)
class Opportunity(Record):
    kind: ClassVar[str] = "opportunity"
    id: str
    account_id: str
    name: str
    stage: str | None = None
    is_closed: bool = False
    is_won: bool = False
    close_date: date | None = None
    amount: float | None = None

    def key(self) -> str:
        return self.id

    def account_key(self) -> str | None:
        return self.account_id


@dataclass(frozen=True)
class OpportunityRole(Record):
    """A customer person's role on one opportunity."""

    kind: ClassVar[str] = "opportunity_role"
    id: str
    account_id: str
    opportunity_id: str
    person_id: str
    roles: tuple[CustomerRole, ...]
    role_label: str | None = None
    is_primary: bool | None = None  # None: the export has no IsPrimary column

    def key(self) -> str:
        return self.id

    def account_key(self) -> str | None:
        return self.account_id


@dataclass(frozen=True)
class Touch(Record):
    """One of our people in contact (or attempting it) with one of theirs, on one day."""

    kind: ClassVar[str] = "touch"
    activity_id: str
    account_id: str
    supplier_id: str
    customer_id: str
    day: date
    channel: Channel
    outcome: Outcome
    minutes: int = 0

    def key(self) -> str:
        return f"{self.activity_id}|{self.supplier_id}|{self.customer_id}"

    @classmethod
    def of(cls, activity_id: str, account_id: str, supplier_id: str, customer_id: str,
           day: date, channel: Channel, outcome: Outcome, minutes: int) -> Touch:
        """The same as the constructor, several times faster: for a loader's hot loop.

        A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``;
        this fills the instance's fields at once.  The result is frozen all the same.
        """
        touch = object.__new__(cls)
        _set(touch, "__dict__", {
            "activity_id": activity_id, "account_id": account_id, "supplier_id": supplier_id,
            "customer_id": customer_id, "day": day, "channel": channel, "outcome": outcome,
            "minutes": minutes, "deleted": False})
        return touch

    def account_key(self) -> str | None:
        return self.account_id


_set = object.__setattr__

#: One entry of a contact log: (day, channel, outcome, minutes, activity id).
LogEntry = tuple[date, str, str, int, str]


@dataclass(frozen=True)
class ContactLog(Record):
    """The touches between one of our people and one of theirs in one calendar month.

    A sync aggregates an export's activities per pair and month as it reads them, so a
    store holds a record per relationship and month rather than one per activity row,
    and an activity changed later rewrites its month's log, not the relationship's whole
    history.  ``entries`` are sorted by day, then activity id; channel and outcome are
    the enum values.  A log without a ``month`` holds a whole relationship (how stores
    written before logs were split by month keep them until the pair is next synced).
    """

    kind: ClassVar[str] = "contact_log"
    account_id: str
    supplier_id: str
    customer_id: str
    entries: tuple[LogEntry, ...]
    month: str = ""  # "2026-03"

    def key(self) -> str:
        if self.month:
            return f"{self.supplier_id}|{self.customer_id}|{self.month}"
        return f"{self.supplier_id}|{self.customer_id}"

    def account_key(self) -> str | None:
        return self.account_id

    def to_dict(self) -> dict[str, Any]:
        out = {
            "account_id": self.account_id,
            "supplier_id": self.supplier_id,
            "customer_id": self.customer_id,
            "entries": [[d.isoformat(), c, o, m, a] for d, c, o, m, a in self.entries],
        }
        if self.month:
            out["month"] = self.month
        return out


def log_key_parts(key: str) -> tuple[str, str]:
    """``(ours|theirs, month)`` of a contact log's key; a whole-pair log's month is ""."""
    if key.count("|") == 2:
        pair, month = key.rsplit("|", 1)
        return pair, month
    return key, ""


def log_pair(key: str) -> str:
    """``ours|theirs`` of a contact log's key (a month's, or a whole-pair log's)."""
    return log_key_parts(key)[0]


def month_of(day: date) -> str:
    """The calendar month a log entry of ``day`` is kept under: ``2026-03``."""
    month = _MONTHS.get(day)
    if month is None:
        month = _MONTHS[day] = f"{day.year:04d}-{day.month:02d}"
    return month


#: Months of the days seen (a few thousand days at most: every log entry has one).
_MONTHS: dict[date, str] = {}


@dataclass(frozen=True)
class Relationship(Record):
    """A relationship recorded by hand (kamgraph CSV) rather than derived from activity."""

    kind: ClassVar[str] = "relationship"
    account_id: str
    supplier_id: str
    customer_id: str
    frequency: Frequency | None = None
    last_contact: date | None = None
    strength: float | None = None
    sentiment: float | None = None  # -1..1
    note: str | None = None
    level: str | None = None  # vendor, credible_source, problem_solver, trusted_advisor
    desired_level: str | None = None

    def key(self) -> str:
        return f"{self.supplier_id}|{self.customer_id}"

    def account_key(self) -> str | None:
        return self.account_id


RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls
    for cls in (
        Account,
        Person,
        TeamMember,
        InfluenceLine,
        Opportunity,
        OpportunityRole,
        Touch,
        ContactLog,
        Relationship,
    )
}


def _encode_any(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [v.value if isinstance(v, Enum) else v for v in value]
    return value


def _encoder(annotation: Any) -> Any:
    """How a field of this annotation becomes JSON: None when it already is JSON."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if annotation in (str, int, float, bool):
        return None
    if len(args) == 1 and args[0] in (str, int, float, bool):  # X | None
        return None
    return _encode_any


_ENCODERS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _encoders(cls: type[Record]) -> tuple[tuple[str, Any], ...]:
    """Per field of a record type, its JSON encoder (None: stored as it is)."""
    found = _ENCODERS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _ENCODERS[cls] = tuple(
            (f.name, _encoder(hints[f.name])) for f in dataclasses.fields(cls)
            if f.name != "deleted")
    return found


@cache
def day_of(iso: str) -> date:
    """``date.fromisoformat``, remembered: a log repeats the same few hundred days."""
    return date.fromisoformat(iso)


def _log_entries(values: list[list[Any]]) -> tuple[LogEntry, ...]:
    return tuple((day_of(d), c, o, m, a) for d, c, o, m, a in values)

def _decoder(annotation: Any) -> Any:
    """How to turn a stored JSON value back into a field of this annotation (or None)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if annotation is date:
        return date.fromisoformat
    if typing.get_origin(annotation) is tuple and args:
        item = _decoder(args[0])
        return (lambda values: tuple(item(v) for v in values)) if item else tuple
    if len(args) == 1:  # X | None
        return _decoder(args[0])
    return None


@cache
def _decoders(kind: str) -> dict[str, Any]:
    """Per field of a record type, its decoder, read from the type hints."""
    cls = RECORD_TYPES[kind]
    if cls is ContactLog:
        return {"account_id": None, "supplier_id": None, "customer_id": None,
                "entries": _log_entries, "month": None}
    hints = typing.get_type_hints(cls)
    return {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(cls)
            if f.name != "deleted"}


def record_from_dict(kind: str, data: dict[str, Any], *, deleted: bool = False) -> Record:
    """Rebuild a record from :meth:`Record.to_dict` output (what stores keep).

    Enums, dates and tuples are restored from the field's type hint, so a field name
    means the same thing only within its own record type.
    """
    cls = RECORD_TYPES[kind]
    decoders = _decoders(kind)
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name not in decoders:
            continue
        decode = decoders[name]
        kwargs[name] = decode(value) if value is not None and decode else value
    return cls(**kwargs, deleted=deleted)
