"""Start every table's automatic ids at a number of our choosing, so that tests see the
ids a grown database has (above 10,000: the thousands separator a locale would put in
them is what the record-id tests look for). A sequence never goes below a table's
largest id: rows another test committed (the ready-made rules a flush's post_migrate
creates again) would otherwise meet their own ids again."""

from __future__ import annotations

from django.db import connection


def start_ids_at(first_id: int) -> None:
    """The next automatic id of every table is ``first_id``, or the one after its largest
    id: SQLite's AUTOINCREMENT sequences, or PostgreSQL's identity/serial sequences."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "sqlite":
            for table in tables:
                cursor.execute(f"SELECT MAX(rowid) FROM {connection.ops.quote_name(table)}")
                (largest,) = cursor.fetchone()
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [table, max(first_id - 1, largest or 0)],
                )
        elif connection.vendor == "postgresql":
            for table in tables:
                for sequence in connection.introspection.get_sequences(cursor, table):
                    column = connection.ops.quote_name(sequence["column"])
                    cursor.execute(f"SELECT MAX({column}) FROM {connection.ops.quote_name(table)}")
                    (largest,) = cursor.fetchone()
                    cursor.execute(
                        "SELECT setval(%s, %s, false)",
                        [
                            connection.ops.quote_name(sequence["name"]),
                            max(first_id, (largest or 0) + 1),
                        ],
                    )
        else:  # a database kehu does not support: say so rather than test low ids
            raise NotImplementedError(f"start_ids_at does not know {connection.vendor}")
