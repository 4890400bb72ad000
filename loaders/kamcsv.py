"""The kamgraph CSV format: hand-editable files for what a CRM lacks, or for no CRM at all.

A folder holding any of ``accounts.csv``, ``people.csv``, ``team.csv``,
``relationships.csv`` and ``influence.csv`` (``docs/formats.md`` describes each column).
Synced on its own it is a complete source; synced after a CRM export it is an overlay:
a row naming a person the CRM already holds adds its non-empty cells (stance,
influence, dos and don'ts, …) on top of the CRM's, and a later CRM sync never erases
them.  Multi-valued cells (``roles``, ``competitors``, ``business_needs``) are separated
by ``;``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kamgraph.config import Config
from kamgraph.loaders import sfid
from kamgraph.loaders import values as v
from kamgraph.loaders.base import EventSink, LoadResult, counted_rows
from kamgraph.loaders.csvio import ExportSource, Row, Table
from kamgraph.model import (
    KAM_STAGES,
    RELATIONSHIP_LEVELS,
    Account,
    CustomerRole,
    Frequency,
    InfluenceLine,
    Level,
    Person,
    Record,
    Relationship,
    Side,
    Stance,
    SupplierRole,
    TeamMember,
)

__all__ = ["FILES", "KamgraphCsvLoader"]

FILES = ("accounts.csv", "people.csv", "team.csv", "relationships.csv", "influence.csv")

_LEVEL_ALIASES = {"c-level": "c_level", "clevel": "c_level", "ic": "individual_contributor",
                  "individual contributor": "individual_contributor"}


def normalise_id(raw: str) -> str:
    """Salesforce-shaped ids become 18 characters, so overlays match a CRM sync."""
    value = raw.strip()
    if len(value) in (15, 18) and sfid.is_valid(value) and any(c.isdigit() for c in value[:3]):
        return sfid.to18(value) or value
    return value


class KamgraphCsvLoader:
    format = "csv"

    def __init__(
        self, path: Path, *, config: Config, encoding: str | None = None, on_event: EventSink
    ) -> None:
        self.source = ExportSource(path, config.limits, config.date_order)
        self.config = config
        self.encoding = encoding
        self.on_event = on_event
        self.result = LoadResult(format=self.format, source=str(path))
        self.person_accounts: dict[str, str | None] = {}
        if not any(self.source.has(name) for name in FILES):
            self.source.close()
            from kamgraph.errors import InputError

            raise InputError(
                f"not a kamgraph CSV folder: none of {', '.join(FILES)}", file=str(path)
            )

    def close(self) -> None:
        self.source.close()

    def _rows(self, name: str, required: tuple[str, ...]) -> Iterator[Row]:
        if self.source.has(name):
            table: Table = self.source.table(name, self.encoding)
            yield from counted_rows(table, required, self.result, self.on_event)

    def records(self) -> Iterator[Record]:
        try:
            yield from self._accounts()
            yield from self._people()
            yield from self._team()
            yield from self._relationships()
            yield from self._influence()
        finally:
            self.source.close()

    @staticmethod
    def _id(row: Row, column: str, required: bool = True) -> str | None:
        raw = row.get(column).strip()
        if not raw:
            if required:
                raise row.error(column, "empty id")
            return None
        return normalise_id(v.check_id(row, column, raw))

    @staticmethod
    def _enum(row: Row, column: str, enum: type[Stance] | type[Level] | type[Frequency]
              | type[Side] | type[SupplierRole]) -> object | None:
        raw = (v.text(row, column) or "").lower()
        if not raw:
            return None
        raw = _LEVEL_ALIASES.get(raw, raw).replace("-", "_").replace(" ", "_")
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise row.error(column, f"{raw!r} is not one of {allowed}") from None

    def _accounts(self) -> Iterator[Record]:
        for row in self._rows("accounts.csv", ("id",)):
            account_id = self._id(row, "id")
            assert account_id is not None
            attractiveness = (v.text(row, "attractiveness") or "").lower() or None
            position = (v.text(row, "position") or "").lower() or None
            if attractiveness not in (None, "high", "medium", "low"):
                raise row.error("attractiveness", "expected high, medium or low")
            if position not in (None, "strong", "average", "weak"):
                raise row.error("position", "expected strong, average or weak")
            yield Account(
                id=account_id,
                name=v.text(row, "name"),
                industry=v.text(row, "industry"),
                tier=v.text(row, "tier"),
                revenue=v.number(row, "revenue"),
                attractiveness=attractiveness,
                position=position,
                revenue_target=self._amount(row, "revenue_target"),
                share_of_wallet_target=self._percent(row, "share_of_wallet_target"),
                target_stage=self._stage(row, "target_stage"),
                review_date=v.day(row, "review_date"),
                competitors=self._list(row, "competitors"),
                business_needs=self._list(row, "business_needs"),
            )

    @staticmethod
    def _amount(row: Row, column: str) -> float | None:
        value = v.number(row, column)
        if value is not None and value < 0:
            raise row.error(column, f"{value} is not an amount (0 or more)")
        return value

    @staticmethod
    def _percent(row: Row, column: str) -> float | None:
        raw = row.get(column).strip().removesuffix("%").strip()
        if not raw:
            return None
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            raise row.error(column, f"not a percentage: {raw[:40]!r}") from None
        if not 0 <= value <= 100:
            raise row.error(column, f"{value} is outside 0..100 (percent)")
        return value

    @staticmethod
    def _stage(row: Row, column: str) -> str | None:
        raw = (v.text(row, column) or "").lower().replace("-", "_").replace(" ", "_")
        if not raw:
            return None
        name = raw if raw.endswith("_kam") else f"{raw}_kam"
        if name not in KAM_STAGES:
            raise row.error(column, f"{raw!r} is not one of {', '.join(KAM_STAGES)}")
        return name

    @staticmethod
    def _list(row: Row, column: str) -> tuple[str, ...] | None:
        """A multi-valued cell: its non-empty parts, separated by ``;``."""
        parts = tuple(p.strip() for p in (v.text(row, column) or "").split(";") if p.strip())
        return parts or None

    def _people(self) -> Iterator[Record]:
        for row in self._rows("people.csv", ("id",)):
            person_id = self._id(row, "id")
            assert person_id is not None
            side = self._enum(row, "side", Side)
            account_id = self._id(row, "account_id", required=False)
            influence = v.number(row, "influence")
            if influence is not None and not 0 <= influence <= 1:
                raise row.error("influence", f"{influence} is outside 0..1")
            roles = None
            raw_roles = v.text(row, "roles")
            if raw_roles:
                parsed = []
                for part in raw_roles.split(";"):
                    label = part.strip().lower().replace(" ", "_").replace("-", "_")
                    if not label:
                        continue
                    try:
                        parsed.append(CustomerRole(label))
                    except ValueError:
                        allowed = ", ".join(r.value for r in CustomerRole)
                        raise row.error("roles", f"{label!r} is not one of {allowed}") from None
                roles = tuple(parsed)
            capacity = v.number(row, "capacity")
            gatekeeper = v.boolean(row, "gatekeeper") if row.get("gatekeeper").strip() else None
            hours = v.number(row, "capacity_hours")
            if hours is not None and not 0 <= hours <= 744:
                raise row.error("capacity_hours", f"{hours} is not hours in a month (0..744)")
            active = None
            if row.get("active").strip():
                active = v.boolean(row, "active")
            self.person_accounts[person_id] = account_id
            yield Person(
                id=person_id,
                side=side if isinstance(side, Side) else None,
                name=v.text(row, "name"),
                account_id=account_id,
                title=v.text(row, "title"),
                department=v.text(row, "department"),
                function=v.text(row, "function"),
                level=self._enum(row, "level", Level),  # type: ignore[arg-type]
                reports_to=self._id(row, "reports_to", required=False),
                email=v.text(row, "email"),
                active=active,
                roles=roles,
                stance=self._enum(row, "stance", Stance),  # type: ignore[arg-type]
                influence=influence,
                dos=v.text(row, "dos"),
                donts=v.text(row, "donts"),
                capacity=int(capacity) if capacity is not None else None,
                capacity_hours=hours,
                gatekeeper=gatekeeper,
                introduce_through=self._id(row, "introduce_through", required=False),
            )

    def _account_of(self, row: Row, person_column: str) -> str:
        account_id = self._id(row, "account_id", required=False)
        if account_id:
            return account_id
        person = self._id(row, person_column)
        known = self.person_accounts.get(person or "")
        if known:
            return known
        raise row.error("account_id", "account_id is empty and the person is not in people.csv")

    def _team(self) -> Iterator[Record]:
        for row in self._rows("team.csv", ("account_id", "person_id", "role")):
            role = self._enum(row, "role", SupplierRole)
            yield TeamMember(
                account_id=self._id(row, "account_id") or "",
                person_id=self._id(row, "person_id") or "",
                role=role if isinstance(role, SupplierRole) else SupplierRole.OTHER,
                role_label=v.text(row, "role"),
            )

    def _relationships(self) -> Iterator[Record]:
        for row in self._rows("relationships.csv", ("supplier_id", "customer_id")):
            sentiment = v.number(row, "sentiment")
            if sentiment is not None and not -1 <= sentiment <= 1:
                raise row.error("sentiment", f"{sentiment} is outside -1..1")
            strength = v.number(row, "strength")
            if strength is not None and not 0 <= strength <= 1:
                raise row.error("strength", f"{strength} is outside 0..1")
            yield Relationship(
                account_id=self._account_of(row, "customer_id"),
                supplier_id=self._id(row, "supplier_id") or "",
                customer_id=self._id(row, "customer_id") or "",
                frequency=self._enum(row, "frequency", Frequency),  # type: ignore[arg-type]
                last_contact=v.day(row, "last_contact"),
                strength=strength,
                sentiment=sentiment,
                note=v.text(row, "note"),
                level=self._level(row, "level"),
                desired_level=self._level(row, "desired_level"),
            )

    @staticmethod
    def _level(row: Row, column: str) -> str | None:
        raw = (v.text(row, column) or "").lower().replace(" ", "_").replace("-", "_")
        if not raw:
            return None
        if raw not in RELATIONSHIP_LEVELS:
            raise row.error(column, f"{raw!r} is not one of {', '.join(RELATIONSHIP_LEVELS)}")
        return raw

    def _influence(self) -> Iterator[Record]:
        for row in self._rows("influence.csv", ("source_id", "target_id")):
            weight = v.number(row, "weight")
            if weight is not None and not 0 < weight <= 1:
                raise row.error("weight", f"{weight} is outside (0, 1]")
            yield InfluenceLine(
                account_id=self._account_of(row, "source_id"),
                source_id=self._id(row, "source_id") or "",
                target_id=self._id(row, "target_id") or "",
                weight=weight if weight is not None else 1.0,
                note=v.text(row, "note"),
            )
