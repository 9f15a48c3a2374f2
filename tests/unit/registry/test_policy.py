"""The full role × action × tenant matrix of registry and kernel policies (SPEC: access control)."""

from __future__ import annotations

import pytest

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.policy import can_view_audit, covers
from zhiliang.registry import policy

OWN, OTHER = 1, 2
ENTITY_DIVISION = "500106"  # the entity edited below: enterprise id OWN in 沙坪坝区
ACTORS = {
    "public": Actor(None, "public", "anon"),
    "enterprise_own": Actor(10, "enterprise", "e1", tenant_id=OWN),
    "enterprise_other": Actor(11, "enterprise", "e2", tenant_id=OTHER),
    "cb": Actor(12, "cb", "cb", tenant_id=OWN),
    "lab": Actor(13, "lab", "lab", tenant_id=OWN),
    "regulator_district": Actor(14, "regulator", "r1", jurisdiction="500106", department="质量监督科"),
    "regulator_other_district": Actor(15, "regulator", "r2", jurisdiction="500103", department="质量监督科"),
    "regulator_city": Actor(16, "regulator", "r3", jurisdiction="500000", department="质量监督科"),
    "admin": Actor(17, "admin", "admin"),
}
ACTIONS = {
    "view": lambda a: policy.can_view_enterprise(a),
    "edit_name": lambda a: policy.can_edit_enterprise(a, ENTITY_DIVISION, OWN, {"name"}),
    "correct_address": lambda a: policy.can_edit_enterprise(a, ENTITY_DIVISION, OWN, {"address"}),
    "import": policy.can_import,
    "export": policy.can_export_lists,
    "private_person": policy.can_view_private_person_data,
    "manage_citywide": policy.can_manage_registry,
    "manage_in_500106": lambda a: policy.can_manage_registry(a, "500106"),
    "list_people": policy.can_list_people,
    "audit": can_view_audit,
}
#    view edit_name correct_address import export private_person manage_citywide manage_in_500106 list_people audit
EXPECTED = {
    "public":                   (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "enterprise_own":           (1, 0, 1, 0, 0, 0, 0, 0, 0, 0),
    "enterprise_other":         (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "cb":                       (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "lab":                      (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "regulator_district":       (1, 1, 1, 1, 1, 0, 1, 1, 1, 0),
    "regulator_other_district": (1, 0, 0, 1, 1, 0, 1, 0, 1, 0),
    "regulator_city":           (1, 1, 1, 1, 1, 0, 1, 1, 1, 0),
    "admin":                    (1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
}


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_matrix(who, action):
    expected = EXPECTED[who][list(ACTIONS).index(action)]
    assert ACTIONS[action](ACTORS[who]) is bool(expected)


def test_matrix_is_complete():
    assert set(EXPECTED) == set(ACTORS) and all(len(v) == len(ACTIONS) for v in EXPECTED.values())


@pytest.mark.parametrize("jurisdiction,division,inside", [
    ("500000", "500106", True), ("500000", "310115", False), ("340700", "340705", True),
    ("340700", "340100", False), ("500106", "500106", True), ("500106", "500103", False), ("500106", None, False),
])
def test_jurisdiction_covers(jurisdiction, division, inside):
    assert covers(jurisdiction, division) is inside
