"""The finding: what every analysis returns, in the audit's JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Severity", "Subject", "severity_for"]


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}[self]


def severity_for(score: float, high: float = 0.7, medium: float = 0.5) -> Severity:
    """Map a score in [0, 1] to a severity.

    >>> severity_for(0.72).value, severity_for(0.5).value, severity_for(0.1).value
    ('high', 'medium', 'low')
    """
    if score >= high:
        return Severity.HIGH
    if score >= medium:
        return Severity.MEDIUM
    return Severity.LOW


@dataclass(frozen=True)
class Subject:
    """What a finding is about: a person, a function, a level, or the account."""

    type: str
    id: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id, "name": self.name}


@dataclass(frozen=True)
class Finding:
    """One finding: why (evidence) and what to do (action), with a suggested person."""

    kind: str
    severity: Severity
    score: float
    subject: Subject
    evidence: tuple[str, ...]
    action: str
    suggested: Subject | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity.value,
            "score": round(self.score, 3),
            "subject": self.subject.to_dict(),
            "evidence": list(self.evidence),
            "action": self.action,
            "suggested": (
                {"id": self.suggested.id, "name": self.suggested.name}
                if self.suggested else None
            ),
        }

    def sort_key(self) -> tuple[int, float, str, str]:
        return (-self.severity.rank, -self.score, self.kind, self.subject.name.lower())
