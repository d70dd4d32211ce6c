"""WSGI entry point: ``gunicorn kehu.crm.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
application = get_wsgi_application()
