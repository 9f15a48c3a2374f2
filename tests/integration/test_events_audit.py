"""Events and audit entries commit or roll back with the change they record (DESIGN: domain events)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zhiliang.kernel import audit, events


def test_event_rolls_back_with_its_transaction(rt):
    with pytest.raises(RuntimeError), rt.db.begin() as s:
        events.emit(s, "test.Happened", "thing:1", {"n": 1}, at=rt.clock.now())
        s.flush()
        raise RuntimeError("boom")
    with rt.db.read() as s:
        assert s.scalar(select(func.count()).select_from(events.Event)) == 0


def test_consume_replays_after_a_failing_handler(rt):
    with rt.db.begin() as s:
        for n in range(3):
            events.emit(s, "test.Happened", f"thing:{n}", {"n": n}, at=rt.clock.now())
    seen: list[int] = []

    def fail_on_second(event: events.Event) -> None:
        if event.payload["n"] == 1:
            raise ValueError("handler failed")
        seen.append(event.payload["n"])

    with pytest.raises(ValueError), rt.db.begin() as s:
        events.consume(s, "tester", fail_on_second)
    with rt.db.begin() as s:
        assert events.consume(s, "tester", lambda e: seen.append(e.payload["n"])) == 3
    assert seen == [0, 0, 1, 2]


def test_audit_records_only_changed_fields(rt):
    with rt.db.begin() as s:
        entry = audit.record(s, at=rt.clock.now(), actor_id=None, actor_label="t", tag="x:y:update",
                             entity_type="y", entity_id=1, before={"a": 1, "b": 2}, after={"a": 1, "b": 3})
        assert (entry.before, entry.after) == ({"b": 2}, {"b": 3})
        assert audit.record(s, at=rt.clock.now(), actor_id=None, actor_label="t", tag="x:y:update",
                            entity_type="y", entity_id=1, before={"a": 1}, after={"a": 1}) is None
