"""The CRM as the ``kehu`` command reaches it: Django is set up only by the commands that
need it, when they run (the analyst's commands never load it)."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Load the CRM's settings and apps (``DJANGO_SETTINGS_MODULE``, default kehu's)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    import django

    django.setup()
