"""State machines declared once, as data, and the one status change they all share.

Each machine (campaign status, lead stage, asset status) is a `Machine` on its model's
module: a table of `Step`s, each naming its action, the states it may start from, the
state it leads to, the rule (portal.permissions) a person needs, and in words what else
happens. Services move objects with `Machine.move`; the API turns a refused move into a
409 that names the states needed; templates ask `{% if moves.launch %}` (see
`Machine.offered`) which buttons to show. Nothing else spells out which state allows what.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from .errors import InvalidTransition
from .permissions import can


@dataclass(frozen=True)
class Step:
    """One action of a machine: `sources` -> `target`, for people allowed by `rule`.

    `target` None is an action that needs one of `sources` but changes no state (edit,
    delete, add a version). `rule` None is a step only the system takes (the scoring
    hand-off).
    `verb` is how a refusal names the action ("launch", "convert to SQL"); `effects` says
    in words what the service does besides moving (notifications, stamps).
    """

    action: str
    sources: tuple[str, ...]
    target: str | None
    rule: str | None
    verb: str = ""
    effects: str = ""

    @property
    def says(self) -> str:
        return self.verb or self.action.replace("_", " ")


@dataclass(frozen=True)
class History:
    """Where a machine records each move: a row per change (from, to, who, why, when)."""

    model: type[models.Model]
    subject: str  # the foreign key to the moved object ("campaign", "lead")
    source: str  # the "from" column
    target: str  # the "to" column
    note: str  # the "why" column

    def record(self, obj, *, source: str, target: str, by, note: str, at) -> None:
        self.model.objects.create(
            **{
                self.subject: obj,
                self.source: source,
                self.target: target,
                self.note: note,
                "by": by,
                "created_at": at,
            }
        )


@dataclass
class Machine:
    """A state machine over `field` of `model`, with `states` (TextChoices) and `steps`."""

    noun: str
    model: type[models.Model]
    field: str
    states: type[models.TextChoices]
    steps: list[Step]
    history: History | None = None
    by_action: dict[str, Step] = field(init=False)

    def __post_init__(self):
        self.by_action = {step.action: step for step in self.steps}
        if len(self.by_action) != len(self.steps):
            raise ValueError(f"{self.noun}: two steps share an action name")
        known = set(self.states.values)
        for step in self.steps:
            unknown = {step.target or step.sources[0], *step.sources} - known
            if unknown:
                raise ValueError(f"{self.noun}.{step.action}: unknown states {sorted(unknown)}")

    def step(self, action: str) -> Step:
        return self.by_action[action]  # an unknown action is a programming error

    def allows(self, action: str, state: str) -> bool:
        """True when `action` may start from `state` (whoever asks)."""
        return state in self.step(action).sources

    def actions_from(self, state: str) -> list[str]:
        return [step.action for step in self.steps if state in step.sources]

    def sources_of(self, target: str) -> tuple[str, ...]:
        """Every state from which some step leads to `target`."""
        found: list[str] = []
        for step in self.steps:
            if step.target == target:
                found += [s for s in step.sources if s not in found]
        return tuple(found)

    def offered(self, user, obj) -> dict[str, bool]:
        """For templates: action -> whether `user` may take it on `obj` as it is now."""
        state = getattr(obj, self.field)
        return {
            step.action: state in step.sources
            and step.rule is not None
            and can(user, step.rule, obj)
            for step in self.steps
        }

    def label(self, state: str) -> str:
        """A state as a sentence says it: lower case, but an acronym ("MQL") stays as it is."""
        text = str(self.states(state).label)
        return text if text.isupper() else text.lower()

    def refusal(self, action: str, current: str) -> InvalidTransition:
        step = self.step(action)
        return InvalidTransition(
            self.noun, self.label(current), step.says, [self.label(s) for s in step.sources]
        )

    def check(self, action: str, obj) -> None:
        """Raise the 409 for `action` unless `obj`'s current state allows it."""
        current = getattr(obj, self.field)
        if current not in self.step(action).sources:
            raise self.refusal(action, current)

    def move(
        self,
        obj,
        action: str,
        *,
        by,
        note: str = "",
        refresh: bool = True,
        **fields: Any,
    ):
        """Take `action` on `obj`: a compare-and-swap on the state column plus a history row.

        Must run inside a transaction. Two people (or two workers) acting at once can
        never both succeed; the loser gets the 409 naming the states needed. `fields`
        are written in the same UPDATE (timestamps, reasons). The history row's "from" is
        `obj`'s state as loaded: lock the row first where several sources are possible.
        """
        step = self.step(action)
        if step.target is None:
            raise ValueError(f"{self.noun}.{action} changes no state; use check()")
        now = timezone.now()
        previous = getattr(obj, self.field)
        changes = {self.field: step.target, **fields}
        if "updated_at" in {f.name for f in self.model._meta.concrete_fields}:
            changes.setdefault("updated_at", now)
        updated = self.model.objects.filter(
            pk=obj.pk, **{f"{self.field}__in": step.sources}
        ).update(**changes)
        if not updated:
            current = (
                self.model.objects.filter(pk=obj.pk).values_list(self.field, flat=True).first()
            )
            if current is None:
                raise self.model.DoesNotExist
            raise self.refusal(action, current)
        if self.history is not None:
            self.history.record(obj, source=previous, target=step.target, by=by, note=note, at=now)
        if refresh:
            obj.refresh_from_db()
        return obj

    def describe(self) -> list[dict[str, Any]]:
        """The table as plain data (for the docs and the tests)."""
        return [
            {
                "action": step.action,
                "from": list(step.sources),
                "to": step.target,
                "rule": step.rule,
                "effects": step.effects,
            }
            for step in self.steps
        ]
