"""REST endpoints of the marketing app (none yet: see the package docstring); mounted on
``/api/`` by :mod:`kehu.crm.api`."""

from ninja import Router

router = Router(tags=["marketing"])
