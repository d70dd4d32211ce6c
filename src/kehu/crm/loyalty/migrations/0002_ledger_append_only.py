"""The database refuses to change a points-ledger entry: an ``UPDATE`` of
``loyalty_pointsentry`` aborts (SQLite trigger; PostgreSQL trigger function). Deleting
is refused by the model, its query set and the admin, and by the ``PROTECT`` links from
the membership, order, reward and rule; a row trigger on ``DELETE`` is not added
because Django's test flush empties every table with ``DELETE`` (PostgreSQL's
``TRUNCATE`` would pass it, SQLite's would not)."""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER loyalty_pointsentry_no_update BEFORE UPDATE ON loyalty_pointsentry
BEGIN
    SELECT RAISE(ABORT, 'the points ledger is append-only: add a correcting entry instead');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS loyalty_pointsentry_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION loyalty_pointsentry_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the points ledger is append-only: add a correcting entry instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_pointsentry_no_update BEFORE UPDATE ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_pointsentry_refuse();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS loyalty_pointsentry_no_update ON loyalty_pointsentry;
DROP FUNCTION IF EXISTS loyalty_pointsentry_refuse();
"""


def _run(sql: dict[str, str]):
    def run(apps, schema_editor):
        statement = sql.get(schema_editor.connection.vendor)
        if statement:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
