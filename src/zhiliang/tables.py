"""Every feature's tables, imported for their side effect of registering on ``Base.metadata``.

Used by the migration environment and the tests; features never import this module.
"""

from zhiliang.certificates import models as certificate_models  # noqa: F401
from zhiliang.credit import models as credit_models  # noqa: F401
from zhiliang.inspections import models as inspection_models  # noqa: F401
from zhiliang.kernel import audit, auth, events  # noqa: F401
from zhiliang.ledger import models as ledger_models  # noqa: F401
from zhiliang.registry import models as registry_models  # noqa: F401
from zhiliang.sampling import models as sampling_models  # noqa: F401
from zhiliang.tqm import models as tqm_models  # noqa: F401
