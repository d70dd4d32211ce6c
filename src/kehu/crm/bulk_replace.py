"""Replace the rows of whole tables in one transaction, so that a reader sees either the
old rows or the new ones (the analysis run's current scores and explanations).

On PostgreSQL a table's new rows go into a bare copy of it (``LIKE``: its columns,
defaults and checks), by ``COPY``; the copy then gets the table's indexes and keys, each
index built in one sort and each foreign key checked in one join, and at the end of the
transaction it takes the table's place (the old table dropped, the copy and its indexes
and constraints renamed to the old names, its grants given again). A million rows of
the current scores take 16 s that way; deleting the old rows and inserting the new ones
under nine indexes and two foreign keys, an index entry and a key check per row, took
49 s on the same machine.

The foreign keys and the drop lock the tables they refer to (the customers, the runs)
for the last moments of the transaction: a foreign key blocks writes to them while it is
checked (about a second at a million rows), the drop blocks reads until the commit. When
such a lock does not come within ``LOCK_TIMEOUT`` (a long report reading the customers,
say), the new rows are copied over the old ones instead, which needs no such lock.

On SQLite, and for a table that cannot be swapped (another table refers to it, it has
triggers or views of its own, another role owns it), the old rows are deleted and the new
ones written by :class:`~kehu.crm.bulk.BulkWriter` in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import OperationalError, connection, models, transaction
from django.db.backends.utils import CursorWrapper

from kehu.crm.bulk import Advance, BulkWriter, Column, quoted_table

LOCK_TIMEOUT = "3s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout
PLAIN_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$", re.DOTALL)

# why a table cannot be swapped, or NULL when it can
SWAP_OBSTACLE_SQL = """
SELECT CASE
  WHEN c.relkind <> 'r' THEN 'not a plain table'
  WHEN pg_get_userbyid(c.relowner) <> current_user THEN 'owned by another role'
  WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.confrelid = c.oid AND k.conrelid <> c.oid)
    THEN 'another table refers to it'
  WHEN EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)
    THEN 'it has triggers'
  WHEN EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
    THEN 'it inherits or is inherited'
  WHEN EXISTS (SELECT 1 FROM pg_publication_rel p WHERE p.prrelid = c.oid)
    THEN 'it is published'
  WHEN EXISTS (
    SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
    WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = c.oid AND r.ev_class <> c.oid
  ) THEN 'a view reads it'
  WHEN EXISTS (
    SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
    AND NOT a.attisdropped AND (a.attidentity <> '' OR a.attgenerated <> '')
  ) THEN 'it has an identity or generated column'
  WHEN EXISTS (
    SELECT 1 FROM pg_attrdef f
    WHERE f.adrelid = c.oid AND pg_get_expr(f.adbin, f.adrelid) LIKE 'nextval(%%'
  ) THEN 'it has a serial column'
  WHEN c.relrowsecurity THEN 'it has row security'
END
FROM pg_class c WHERE c.oid = %s::regclass
"""

INDEXES_SQL = """
SELECT i.indexrelid, x.relname, pg_get_indexdef(i.indexrelid), k.oid, k.conname,
       pg_get_constraintdef(k.oid)
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
  AND k.contype IN ('p', 'u', 'x')
WHERE i.indrelid = %s::regclass ORDER BY x.relname
"""

FOREIGN_KEYS_SQL = """
SELECT oid, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
"""

GRANTS_SQL = """
SELECT CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
       g.privilege_type, g.is_grantable
FROM pg_class c, aclexplode(c.relacl) g
WHERE c.oid = %s::regclass AND g.grantee <> c.relowner
"""


@dataclass
class _Staged:
    """A table's new rows in its staging copy, and the names the copy takes at the
    swap: ``renames`` maps each index or constraint's staging name to its old name."""

    table: str
    staging: str
    columns: list[str]
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)
    index_renames: dict[str, str] = field(default_factory=dict)
    constraint_renames: dict[str, str] = field(default_factory=dict)


class TableReplacement:
    """The tables replaced in one transaction (see :func:`replacing_tables`)."""

    def __init__(self) -> None:
        self._staged: list[_Staged] = []

    def replace(
        self,
        model: type[models.Model],
        columns: Mapping[str, Column],
        advance: Advance | None = None,
    ) -> int:
        """Every row of ``model``'s table replaced by ``columns`` ({field name: column},
        as :meth:`BulkWriter.write` takes them). Returns the number of rows."""
        table = quoted_table(model)
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql" or _swap_obstacle(cursor, table):
                cursor.execute(f"DELETE FROM {table}")
                with BulkWriter([model]) as writer:
                    return writer.write(model, columns, advance)
            staged = _create_staging(cursor, model, table)
        n_rows = BulkWriter([model]).write(model, columns, advance, into=staged.staging)
        with connection.cursor() as cursor:
            _build_indexes(cursor, staged)
            cursor.execute(f"ANALYZE {staged.staging}")
        self._staged.append(staged)
        return n_rows

    def finish(self) -> None:
        """Put every staged table in its old table's place (call last in the
        transaction: the locks this takes last until the commit)."""
        if not self._staged:
            return
        # a table with deferred key checks still to run cannot be dropped: run them now
        # (as Django's own check does, leaving the keys deferred again)
        connection.check_constraints()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            (previous,) = cursor.fetchone()
            try:
                with transaction.atomic():
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
                    for staged in self._staged:
                        _add_foreign_keys(cursor, staged)
                    for staged in self._staged:
                        _swap(cursor, staged)
            except OperationalError as e:
                if getattr(e.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                for staged in self._staged:
                    _copy_over(cursor, staged)
            finally:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
        self._staged.clear()


@contextmanager
def replacing_tables() -> Iterator[TableReplacement]:
    """A transaction in which :meth:`TableReplacement.replace` replaces tables' rows;
    what else the block writes commits with them."""
    with transaction.atomic():
        replacement = TableReplacement()
        yield replacement
        replacement.finish()


def _swap_obstacle(cursor: CursorWrapper, table: str) -> str | None:
    cursor.execute(SWAP_OBSTACLE_SQL, [table])
    (obstacle,) = cursor.fetchone()
    if obstacle is None:
        cursor.execute(INDEXES_SQL, [table])
        if any(
            k is None and not PLAIN_INDEX.match(d) for _i, _n, d, k, _c, _kd in cursor.fetchall()
        ):
            return "an index definition kehu cannot read"
    return obstacle


def _staging_name(name: str) -> str:
    return connection.ops.quote_name(f"{name[:57]}__next")


def _create_staging(cursor: CursorWrapper, model: type[models.Model], table: str) -> _Staged:
    staging = _staging_name(model._meta.db_table)
    cursor.execute(f"DROP TABLE IF EXISTS {staging}")
    cursor.execute(
        f"CREATE TABLE {staging} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    cursor.execute(GRANTS_SQL, [table])
    for grantee, privilege, grantable in cursor.fetchall():
        option = " WITH GRANT OPTION" if grantable else ""
        cursor.execute(f"GRANT {privilege} ON {staging} TO {grantee}{option}")
    cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
    (options,) = cursor.fetchone()
    if options:
        cursor.execute(f"ALTER TABLE {staging} SET ({', '.join(options)})")
    columns = [f.column for f in model._meta.concrete_fields]
    staged = _Staged(table=table, staging=staging, columns=columns)
    cursor.execute(FOREIGN_KEYS_SQL, [table])
    for oid, name, definition in cursor.fetchall():
        temporary = f"kehu_next_{oid}"
        staged.foreign_keys.append((temporary, definition))
        staged.constraint_renames[temporary] = name
    return staged


def _build_indexes(cursor: CursorWrapper, staged: _Staged) -> None:
    """The old table's indexes, primary key and unique constraints, on the staging copy
    under temporary names (index names are unique in a schema)."""
    cursor.execute(INDEXES_SQL, [staged.table])
    for index_oid, index_name, index_sql, key_oid, key_name, key_sql in cursor.fetchall():
        if key_oid is not None:
            temporary = f"kehu_next_{key_oid}"
            cursor.execute(f"ALTER TABLE {staged.staging} ADD CONSTRAINT {temporary} {key_sql}")
            staged.constraint_renames[temporary] = key_name  # its index is renamed with it
            continue
        unique, method = PLAIN_INDEX.match(index_sql).groups()  # type: ignore[union-attr]
        temporary = f"kehu_next_{index_oid}"
        cursor.execute(f"CREATE {unique or ''}INDEX {temporary} ON {staged.staging} {method}")
        staged.index_renames[temporary] = index_name


def _add_foreign_keys(cursor: CursorWrapper, staged: _Staged) -> None:
    for temporary, definition in staged.foreign_keys:
        cursor.execute(
            f"ALTER TABLE {staged.staging} ADD CONSTRAINT {temporary} {definition} NOT VALID"
        )
        cursor.execute(f"ALTER TABLE {staged.staging} VALIDATE CONSTRAINT {temporary}")


def _swap(cursor: CursorWrapper, staged: _Staged) -> None:
    quote = connection.ops.quote_name
    cursor.execute(f"DROP TABLE {staged.table}")
    cursor.execute(f"ALTER TABLE {staged.staging} RENAME TO {staged.table}")
    for temporary, name in staged.constraint_renames.items():
        cursor.execute(f"ALTER TABLE {staged.table} RENAME CONSTRAINT {temporary} TO {quote(name)}")
    for temporary, name in staged.index_renames.items():
        cursor.execute(f"ALTER INDEX {temporary} RENAME TO {quote(name)}")


def _copy_over(cursor: CursorWrapper, staged: _Staged) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in staged.columns)
    cursor.execute(f"DELETE FROM {staged.table}")
    cursor.execute(f"INSERT INTO {staged.table} ({names}) SELECT {names} FROM {staged.staging}")
    cursor.execute(f"DROP TABLE {staged.staging}")
    cursor.execute(f"ANALYZE {staged.table}")
