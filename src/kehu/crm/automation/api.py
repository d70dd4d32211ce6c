"""REST endpoints of the automation app (none yet: see the package docstring); mounted on
``/api/`` by :mod:`kehu.crm.api`."""

from ninja import Router

router = Router(tags=["automation"])
