"""A small demo site whose record ids are all above 10,000, for browser tests.

Run in its own process against ``KEHU_HOME`` (never the test database)::

    KEHU_HOME=/tmp/x python -m tests.e2e.high_ids --customers 300

It migrates, creates an English and a Chinese admin (password ``PASSWORD``), loads the
demo data and then adds ``OFFSET`` to every primary key and every foreign key that
points at one, in one transaction (SQLite checks the deferred foreign keys at commit).
The demo loader numbers rows from ``MAX(id) + 1``, so setting the autoincrement
sequences alone would not move its ids.
"""

from __future__ import annotations

import argparse
import os

OFFSET = 10_000
PASSWORD = "a-long-enough-e2e-secret"
ADMINS = {"en": "admin", "zh-hans": "guanliyuan"}
# tables whose keys are not ours to move (Django's own bookkeeping)
UNMOVED = {"contenttypes.contenttype", "auth.permission", "sessions.session", "admin.logentry"}


def _movable(model: type) -> bool:
    pk = model._meta.pk
    return (
        model._meta.label_lower not in UNMOVED
        and not model._meta.proxy
        and model._meta.managed
        and pk.get_internal_type() in {"AutoField", "BigAutoField"}
    )


def shift_ids(offset: int = OFFSET) -> dict[str, int]:
    """Add ``offset`` to every automatic primary key and to every foreign key (including
    simple-history's unconstrained ones and many-to-many through rows) that points at
    one. Returns the rows moved per table."""
    from django.apps import apps
    from django.db import connection, transaction

    models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    moved_tables = {m._meta.db_table for m in models if _movable(m)}
    quote = connection.ops.quote_name
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("PRAGMA defer_foreign_keys = ON")
        for model in models:
            table = quote(model._meta.db_table)
            for field in model._meta.concrete_fields:
                target = field.related_model if field.is_relation else None
                if target is not None and target._meta.db_table in moved_tables:
                    column = quote(field.column)
                    cursor.execute(
                        f"UPDATE {table} SET {column} = {column} + %s WHERE {column} IS NOT NULL",
                        [offset],
                    )
            tracked = getattr(model, "instance_type", None)  # a simple-history model
            if tracked is not None and tracked._meta.db_table in moved_tables:
                column = quote(tracked._meta.pk.column)
                cursor.execute(f"UPDATE {table} SET {column} = {column} + %s", [offset])
            if model._meta.db_table in moved_tables:
                pk = quote(model._meta.pk.column)
                # every key is below offset, so no row lands on a key another still holds
                cursor.execute(f"UPDATE {table} SET {pk} = {pk} + %s", [offset])
                counts[model._meta.db_table] = cursor.rowcount
        cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE seq IS NOT NULL", [offset])
    return counts


def build(n_customers: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from kehu.crm.accounts.actions import create_user
    from kehu.crm.demo.load import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    for language, username in ADMINS.items():
        create_user(username, role="admin", password=PASSWORD, language=language)
    load_demo(n_customers, seed=7)
    shift_ids()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    build(args.customers)
