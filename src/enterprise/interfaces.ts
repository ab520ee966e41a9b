/**
 * The contracts of the database area: what a driver provides (`IDbDriver`, `IDbConnection`) and
 * what an interaction receives (`ITransaction`).
 *
 * A driver's connection is used by one piece of work at a time: the pool guarantees it, so
 * drivers need no locking. Methods return Promises (drivers are thin adapters over Promise-based
 * or worker-based clients); the pool turns them into Deferreds.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";

/** Parameters of a statement: positional (`?` / `$1`) or, where the driver supports them, named. */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** What a statement that returns no rows reports. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  readonly changes: number;
  /** The id of the last inserted row, when the database reports one (SQLite's rowid). */
  readonly lastInsertId?: number | bigint | undefined;
}

/** One open connection of a driver. Used by one piece of work at a time. */
export interface IDbConnection {
  /** Runs a statement and returns its rows (an empty list for a statement that returns none). */
  query(sql: string, params?: SqlParams): Promise<unknown[]>;
  /** Runs a statement for its effect. */
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  /** Runs SQL with no parameters and no result (`BEGIN`, `COMMIT`, several statements). */
  exec(sql: string): Promise<void>;
  /** Closes the connection; never fails (errors are swallowed: the connection is gone either way). */
  close(): Promise<void>;
  /** True once the driver knows the connection is unusable (the server ended it, …). */
  readonly broken: boolean;
}

/** Opens connections to one database. */
export interface IDbDriver {
  /** A name for logs (`sqlite`, `postgres`). */
  readonly name: string;
  /** Opens a new connection. */
  connect(): Promise<IDbConnection>;
  /** The statement that starts a transaction (`BEGIN`; SQLite uses `BEGIN IMMEDIATE`). */
  readonly beginSql: string;
  /** A cheap statement that succeeds on a working connection (Twisted's `good_sql`). */
  readonly goodSql: string;
}

/**
 * The transaction an interaction runs in. Every statement run through it belongs to one database
 * transaction, committed when the interaction succeeds and rolled back when it fails. Using it
 * after the interaction has finished fails with `TransactionError`.
 */
export interface ITransaction {
  /** Runs a statement and returns its rows, typed as `Row`. */
  query<Row = Record<string, unknown>>(sql: string, params?: SqlParams): Deferred<Row[]>;
  /** Runs a statement and returns its first row, or `undefined` when it returns none. */
  queryOne<Row = Record<string, unknown>>(
    sql: string,
    params?: SqlParams,
  ): Deferred<Row | undefined>;
  /** Runs a statement for its effect (`INSERT`, `UPDATE`, `DELETE`, DDL). */
  run(sql: string, params?: SqlParams): Deferred<RunResult>;
}
