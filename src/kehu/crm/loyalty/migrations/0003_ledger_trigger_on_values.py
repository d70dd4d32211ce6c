"""The database refuses a change of what a ledger entry records (its kind, points,
reference, reason, expiry and date), and no longer any ``UPDATE``: a copy of the
database whose keys are renumbered (``tests/e2e/high_ids.py`` moves every id above
10,000) moves the entries' keys with the rows they point at, and keeps every
transaction. The model, its query set and the admin still refuse every change."""

from django.db import migrations

COLUMNS = "kind, points, reference, reason, expires_on, created_at"
MESSAGE = "the points ledger is append-only: add a correcting entry instead"

DROP_SQLITE = "DROP TRIGGER IF EXISTS loyalty_pointsentry_no_update"
DROP_POSTGRES = "DROP TRIGGER IF EXISTS loyalty_pointsentry_no_update ON loyalty_pointsentry"
SQLITE_BODY = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
POSTGRES_BODY = "FOR EACH ROW EXECUTE FUNCTION loyalty_pointsentry_refuse()"
TRIGGER = "CREATE TRIGGER loyalty_pointsentry_no_update BEFORE UPDATE"
TABLE = "ON loyalty_pointsentry"

STATEMENTS = {  # vendor: (forwards, backwards)
    "sqlite": (
        [DROP_SQLITE, f"{TRIGGER} OF {COLUMNS} {TABLE} {SQLITE_BODY}"],
        [DROP_SQLITE, f"{TRIGGER} {TABLE} {SQLITE_BODY}"],
    ),
    "postgresql": (
        [DROP_POSTGRES, f"{TRIGGER} OF {COLUMNS} {TABLE} {POSTGRES_BODY}"],
        [DROP_POSTGRES, f"{TRIGGER} {TABLE} {POSTGRES_BODY}"],
    ),
}


def _run(backwards: bool):
    def run(apps, schema_editor):
        statements = STATEMENTS.get(schema_editor.connection.vendor)
        for statement in statements[backwards] if statements else []:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0002_ledger_append_only")]

    operations = [migrations.RunPython(_run(backwards=False), _run(backwards=True))]
