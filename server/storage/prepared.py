"""Statements built once and compiled once per dialect, for the hot paths (issue 12).

On SQLite a prepared statement runs on the sqlite3 connection itself, its parameters and
columns converted by SQLAlchemy's own processors for their types (the values Core sends and
returns), without Core's per-execution machinery (execution context, compiled-cache lookup,
result object: most of a get's database time, and of a create's statement). On PostgreSQL it
runs through Core, whose cursor events arm the stall guard (server/storage/stall_guard.py).

Either way it runs on the SQLAlchemy `Connection` it is given, so in that connection's
transaction (a unit of work's: `session.connection()`), and its errors leave as SQLAlchemy's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Insert, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Record = tuple[Any, ...]


class _Prepared:
    def __init__(
        self,
        statement: Select[Any] | Insert,
        dialect: Dialect,
        *,
        direct: bool | None = None,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        """`direct`: on the DBAPI connection (the default on SQLite only; the benchmark
        measures Core's execution against it). `column_keys`: an INSERT's columns, in the
        order its VALUES take them."""
        self._statement = statement
        self._direct = dialect.name == "sqlite" if direct is None else direct
        if not self._direct:
            return
        self._dialect = dialect
        compiled = statement.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        )
        self._compiled = compiled
        self._sql = str(compiled)
        self._order = list(compiled.positiontup or ())
        self._bind_processors = {
            compiled.bind_names[bind]: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind in compiled.binds.values()
        }

    def _parameters(self, params: Mapping[str, Any]) -> list[Any]:
        values = self._compiled.construct_params(params)
        ordered = []
        for name in self._order:
            process = self._bind_processors.get(name)
            ordered.append(values[name] if process is None else process(values[name]))
        return ordered

    def _cursor(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The statement run on the sqlite3 connection; its errors leave as SQLAlchemy's (a
        lost connection invalidated, as Core would), so the error envelope and the read retry
        treat them alike."""
        parameters = self._parameters(params)
        dbapi_connection: Any = connection.connection.driver_connection
        try:
            return dbapi_connection.execute(self._sql, parameters)
        except self._dialect.loaded_dbapi.Error as error:
            lost = self._dialect.is_disconnect(error, dbapi_connection, None)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                self._sql,
                parameters,
                error,
                self._dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=self._dialect,
            ) from error


class PreparedSelect(_Prepared):
    """One select; `rows` answers records of `record` (or, with `record=None`, the rows'
    first column)."""

    def __init__(
        self,
        statement: Select[Any],
        dialect: Dialect,
        record: type[Record] | None,
        *,
        direct: bool | None = None,
    ) -> None:
        super().__init__(statement, dialect, direct=direct)
        self._record = record
        if not self._direct:
            return
        self._result_processors = [
            (index, processor)
            for index, column in enumerate(statement.selected_columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ]

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        if not self._direct:
            result = connection.execute(self._statement, params)
            if self._record is None:
                return list(result.scalars())
            new = tuple.__new__
            return [new(self._record, row) for row in result]
        raw = cast(list[Any], self._cursor(connection, params).fetchall())
        processors = self._result_processors
        if self._record is None:  # a one-column select
            convert = processors[0][1] if processors else None
            return [row[0] if convert is None else convert(row[0]) for row in raw]
        new, record, records = tuple.__new__, self._record, []
        for row in raw:
            if processors:
                values = list(row)
                for index, process in processors:
                    values[index] = process(values[index])
                row = values
            records.append(new(record, row))
        return records

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        found = self.rows(connection, params)
        return found[0] if found else None


class PreparedInsert(_Prepared):
    """One INSERT of one row, every column of `column_keys` given (None for NULL)."""

    def __init__(
        self,
        statement: Insert,
        dialect: Dialect,
        column_keys: Sequence[str],
        *,
        direct: bool | None = None,
    ) -> None:
        super().__init__(statement, dialect, direct=direct, column_keys=column_keys)

    def run(self, connection: Connection, values: Mapping[str, Any]) -> None:
        if not self._direct:
            connection.execute(self._statement, values)
            return
        self._cursor(connection, values)
