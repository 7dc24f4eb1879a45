//! "Run this query, map the rows": the one place where a `rusqlite`
//! error becomes a typed [`Error`] naming the case database.
//!
//! [`Sql`] wraps a connection (or an open transaction, which derefs to
//! one) and the database path; every statement is prepared through
//! SQLite's statement cache, so a query asked once per message is compiled
//! once per connection.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Params, Row};

use crate::error::{Error, Result};

/// A connection and the path its errors name.
#[derive(Clone, Copy)]
pub(super) struct Sql<'a> {
    pub(super) conn: &'a Connection,
    pub(super) path: &'a Path,
}

impl<'a> Sql<'a> {
    pub(super) fn new(conn: &'a Connection, path: &'a Path) -> Sql<'a> {
        Sql { conn, path }
    }

    /// The typed error for a failure of this database.
    pub(super) fn err(&self, e: rusqlite::Error) -> Error {
        Error::store(self.path, e)
    }

    /// Every row of `sql`, mapped by `f`.
    pub(super) fn rows<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map(params, f).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Feeds every row of `sql` to `f` without collecting them (large
    /// scans); `f` may borrow from the row.
    pub(super) fn each(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            f(row)?;
        }
        Ok(())
    }

    /// The one row of `sql` (an error when there is none).
    pub(super) fn one<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(params, f))
            .map_err(|e| self.err(e))
    }

    /// The first row of `sql`, if any.
    pub(super) fn opt<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(params, f).optional())
            .map_err(|e| self.err(e))
    }

    /// A count (or any integer) from `sql`, as u64 (negative reads as 0).
    pub(super) fn count(&self, sql: &str, params: impl Params) -> Result<u64> {
        self.one(sql, params, |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
    }

    /// Runs one statement; returns the rows changed.
    pub(super) fn exec(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(params))
            .map_err(|e| self.err(e))
    }

    /// Runs several statements (schema, pragmas).
    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(|e| self.err(e))
    }

    /// A column read from a row, its error typed.
    pub(super) fn get<T: rusqlite::types::FromSql>(&self, row: &Row<'_>, i: usize) -> Result<T> {
        row.get(i).map_err(|e| self.err(e))
    }

    /// A text column borrowed from a row (NULL as `None`).
    pub(super) fn text<'r>(&self, row: &'r Row<'_>, i: usize) -> Result<Option<&'r str>> {
        row.get_ref(i)
            .and_then(|v| Ok(v.as_str_or_null()?))
            .map_err(|e| self.err(e))
    }
}
