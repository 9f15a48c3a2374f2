"""Certificate policies as a full role × action × tenant matrix."""

from __future__ import annotations

import pytest

from zhiliang.certificates import policy
from zhiliang.kernel.auth import Actor

CB_ID = 7
ACTORS = {
    "public": Actor.public(),
    "enterprise": Actor(1, "enterprise", "e", 7),  # tenant id 7 is an enterprise: the same number means nothing
    "cb_own": Actor(2, "cb", "cb-own", CB_ID),
    "cb_other": Actor(3, "cb", "cb-other", CB_ID + 1),
    "cb_unbound": Actor(4, "cb", "cb-unbound", None),
    "lab": Actor(5, "lab", "lab", 7),
    "regulator": Actor(6, "regulator", "reg", None, "500000", "认证监管处"),
    "admin": Actor(7, "admin", "admin"),
    "system": Actor.system(),
}
EXPECTED = {
    # actor:       issue  change(own CB's certificate)  verify  signals
    "public":     (False, False, True, False),
    "enterprise": (False, False, True, False),
    "cb_own":     (True, True, True, False),
    "cb_other":   (True, False, True, False),
    "cb_unbound": (False, False, True, False),
    "lab":        (False, False, True, False),
    "regulator":  (False, False, True, True),
    "admin":      (False, False, True, True),
    "system":     (False, False, True, True),
}


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_matrix(who):
    actor = ACTORS[who]
    got = (policy.can_issue(actor), policy.can_change(actor, CB_ID), policy.can_verify(actor),
           policy.can_view_signals(actor))
    assert got == EXPECTED[who]
