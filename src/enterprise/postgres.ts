/**
 * The PostgreSQL driver: one `pg.Client` per pool connection. `pg` is asynchronous, so no thread
 * is needed; interactions wrap their statements in `BEGIN` … `COMMIT` / `ROLLBACK`.
 *
 * A client that the server ends (`pg_terminate_backend`, a restart) emits `error`: the driver
 * listens, marks the connection broken, and the pool replaces it.
 *
 * @module
 */

import { createRequire } from "node:module";
import type pg from "pg";
import { DatabaseConnectionLost } from "../errors/database.js";
import type { IDbConnection, IDbDriver, RunResult, SqlParams } from "./interfaces.js";

/** Connection settings: those of `pg.Client` (host, port, user, database, password, ssl, …). */
export type PostgresDriverOptions = pg.ClientConfig;

class PostgresConnection implements IDbConnection {
  broken = false;
  lastError: unknown;

  constructor(private readonly client: pg.Client) {
    client.on("error", (e) => {
      this.broken = true;
      this.lastError = e;
    });
    client.on("end", () => {
      this.broken = true;
    });
  }

  private values(params: SqlParams | undefined): unknown[] | undefined {
    if (params === undefined) return undefined;
    if (!Array.isArray(params)) {
      throw new TypeError("PostgreSQL statements take positional parameters ($1, $2, …)");
    }
    return params as unknown[];
  }

  private async send(sql: string, params: SqlParams | undefined): Promise<pg.QueryResult> {
    if (this.broken) {
      throw new DatabaseConnectionLost("The PostgreSQL connection was lost", {
        cause: this.lastError,
      });
    }
    return this.client.query({ text: sql, values: this.values(params) });
  }

  async query(sql: string, params?: SqlParams): Promise<unknown[]> {
    return (await this.send(sql, params)).rows;
  }

  async run(sql: string, params?: SqlParams): Promise<RunResult> {
    return { changes: (await this.send(sql, params)).rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.send(sql, undefined);
  }

  async close(): Promise<void> {
    this.broken = true;
    await this.client.end().catch(() => {});
  }
}

/**
 * Opens PostgreSQL connections with `pg`.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool(
 *   new PostgresDriver({ host: "127.0.0.1", port: 5432, user: "app", database: "app" }),
 *   { min: 1, max: 10, reactor });
 * const rows = await pool.runQuery<{ id: number }>("SELECT id FROM users WHERE name = $1", ["ann"]);
 * ```
 */
export class PostgresDriver implements IDbDriver {
  /** @inheritDoc */
  readonly name = "postgres";
  /** @inheritDoc */
  readonly beginSql = "BEGIN";
  /** @inheritDoc */
  readonly goodSql = "SELECT 1";
  /** The settings given. */
  readonly options: PostgresDriverOptions;

  constructor(options: PostgresDriverOptions) {
    this.options = options;
  }

  /** Connects a new client. */
  async connect(): Promise<IDbConnection> {
    const client = new (loadPg().Client)(this.options);
    // Until the connection object listens, an early 'error' must not crash the process.
    const early = (): void => {};
    client.on("error", early);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    const connection = new PostgresConnection(client);
    client.off("error", early);
    return connection;
  }
}

let pgModule: typeof pg | undefined;

/**
 * The `pg` module, loaded on first connection: importing it at module load would cost every
 * program that imports Braid (see `threads/piscina.ts` for the measurement).
 */
function loadPg(): typeof pg {
  pgModule ??= createRequire(import.meta.url)("pg") as typeof pg;
  return pgModule;
}
