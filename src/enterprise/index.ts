/**
 * `braid/enterprise`: a database connection pool on the model of Twisted's `adbapi`, with a SQLite
 * driver (better-sqlite3 on worker threads) and a PostgreSQL driver (`pg`).
 *
 * @example
 * ```ts
 * import { ConnectionPool, SQLiteDriver } from "braid/enterprise";
 *
 * const pool = new ConnectionPool(new SQLiteDriver({ filename: "app.db" }), { max: 4, reactor });
 * const total = await pool.runInteraction(async (txn) => {
 *   await txn.run("INSERT INTO events (kind) VALUES (?)", ["login"]);
 *   return (await txn.queryOne<{ n: number }>("SELECT count(*) AS n FROM events"))!.n;
 * });
 * ```
 *
 * @module
 */
export type {
  IDbConnection,
  IDbDriver,
  ITransaction,
  RunResult,
  SqlParams,
} from "./interfaces.js";
export { ConnectionPool, type ConnectionPoolOptions, type ConnectionPoolStats } from "./pool.js";
export { PostgresDriver, type PostgresDriverOptions } from "./postgres.js";
export { SQLiteDriver, type SQLiteDriverOptions } from "./sqlite.js";
export { Transaction } from "./transaction.js";
