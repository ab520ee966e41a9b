/**
 * The SQLite driver: better-sqlite3 (synchronous) on worker threads, Twisted adbapi's model.
 *
 * Each pool connection is a worker thread that owns one better-sqlite3 `Database`; the main thread
 * sends it one statement at a time and gets the rows back, so a slow query blocks that worker and
 * never the reactor. Interactions stay plain async functions on the main thread: the pool sends
 * `BEGIN IMMEDIATE`, each statement of the interaction, then `COMMIT` or `ROLLBACK` to the same
 * worker (option two of the design; a task module per interaction would have kept the statements
 * on the worker at the cost of the adbapi API). `BEGIN IMMEDIATE` takes SQLite's write lock at the
 * start, so concurrent interactions on several connections queue on the busy timeout instead of
 * failing with `SQLITE_BUSY` when two readers both try to write.
 *
 * Several connections share a database file (WAL mode, set by default, lets readers run beside a
 * writer). `:memory:` gives each connection its own database: use `max: 1` with it.
 *
 * @module
 */

import type BetterSqlite3 from "better-sqlite3";
import type { Piscina } from "piscina";
import { DatabaseConnectionLost } from "../errors/database.js";
import { piscinaClass } from "../threads/piscina.js";
import { deserializeThrown } from "../threads/serialize.js";
import type { IDbConnection, IDbDriver, RunResult, SqlParams } from "./interfaces.js";
import type { SQLiteReply, SQLiteRequest } from "./sqlite-worker.js";

const WORKER_FILE = new URL(
  import.meta.url.endsWith(".ts") ? "./sqlite-worker.ts" : "./sqlite-worker.js",
  import.meta.url,
);

/** Options of the {@link SQLiteDriver}. */
export interface SQLiteDriverOptions {
  /** The database file (created when missing), or `:memory:`. */
  readonly filename: string;
  /** Open the file read-only. */
  readonly readonly?: boolean;
  /** Fail when the file does not exist instead of creating it. */
  readonly fileMustExist?: boolean;
  /** Milliseconds a statement waits for a lock held by another connection. Default 5000. */
  readonly busyTimeout?: number;
  /** Pragmas run on each new connection. Default `["journal_mode = WAL"]` for a file. */
  readonly pragmas?: readonly string[];
  /** Node options of the workers (default: the main thread's, so a TypeScript loader applies). */
  readonly execArgv?: string[];
}

let nextId = 1;

/** One connection: a worker thread owning a `Database`. */
class SQLiteConnection implements IDbConnection {
  broken = false;
  constructor(
    private readonly worker: Piscina,
    private readonly id: number,
  ) {}

  async request(message: SQLiteRequest): Promise<unknown> {
    if (this.broken) throw new DatabaseConnectionLost();
    let reply: SQLiteReply;
    try {
      reply = (await this.worker.run(message)) as SQLiteReply;
    } catch (e) {
      // The worker died: the connection (and its transaction) is gone.
      this.broken = true;
      throw new DatabaseConnectionLost("The SQLite connection's worker thread died", { cause: e });
    }
    if (reply.ok) return reply.value;
    const error = deserializeThrown(reply.error);
    if (error instanceof Error && error.name === "DatabaseConnectionLost") {
      this.broken = true;
      throw new DatabaseConnectionLost(error.message);
    }
    throw error;
  }

  query(sql: string, params?: SqlParams): Promise<unknown[]> {
    return this.request({ op: "query", id: this.id, sql, params }) as Promise<unknown[]>;
  }

  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.request({ op: "run", id: this.id, sql, params }) as Promise<RunResult>;
  }

  async exec(sql: string): Promise<void> {
    await this.request({ op: "exec", id: this.id, sql });
  }

  async close(): Promise<void> {
    try {
      if (!this.broken) await this.request({ op: "close", id: this.id });
    } catch {
      // gone either way
    }
    this.broken = true;
    await this.worker.destroy().catch(() => {});
  }
}

/**
 * Opens SQLite connections, each on its own worker thread.
 *
 * @example
 * ```ts
 * const pool = new ConnectionPool(new SQLiteDriver({ filename: "/var/lib/app/app.db" }), { max: 4 });
 * await pool.runInteraction(async (txn) => {
 *   const { lastInsertId } = await txn.run("INSERT INTO orders (total) VALUES (?)", [42]);
 *   await txn.run("INSERT INTO audit (order_id) VALUES (?)", [lastInsertId]);
 * });
 * ```
 */
export class SQLiteDriver implements IDbDriver {
  /** @inheritDoc */
  readonly name = "sqlite";
  /** `BEGIN IMMEDIATE`: see the module's description. */
  readonly beginSql = "BEGIN IMMEDIATE";
  /** @inheritDoc */
  readonly goodSql = "SELECT 1";
  /** The options given. */
  readonly options: SQLiteDriverOptions;

  constructor(options: SQLiteDriverOptions) {
    this.options = options;
  }

  /** Starts a worker thread and opens the database on it. */
  async connect(): Promise<IDbConnection> {
    const o = this.options;
    const worker = new (piscinaClass())({
      filename: WORKER_FILE.href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: 2 ** 31 - 1,
      concurrentTasksPerWorker: 1,
      ...(o.execArgv !== undefined ? { execArgv: o.execArgv } : {}),
    });
    worker.on("error", () => {
      // A failure of the thread reaches the request that was running; nothing else to do.
    });
    const id = nextId++;
    const connection = new SQLiteConnection(worker, id);
    const options: BetterSqlite3.Options = {
      timeout: o.busyTimeout ?? 5000,
      ...(o.readonly !== undefined ? { readonly: o.readonly } : {}),
      ...(o.fileMustExist !== undefined ? { fileMustExist: o.fileMustExist } : {}),
    };
    const pragmas =
      o.pragmas ?? (o.filename === ":memory:" || o.readonly ? [] : ["journal_mode = WAL"]);
    try {
      await connection.request({ op: "open", id, filename: o.filename, options, pragmas });
    } catch (e) {
      await worker.destroy().catch(() => {});
      throw e;
    }
    return connection;
  }
}
