/**
 * `ConnectionPool`: Twisted's `adbapi.ConnectionPool` for Braid. Queries, operations and
 * interactions run on pooled connections of a driver and come back as Deferreds; the reactor's
 * thread (the event loop) never waits on the database.
 *
 * - At most `max` connections are open; work beyond that waits in a first-in first-out queue.
 *   `min` connections are opened by {@link ConnectionPool.start} and kept.
 * - {@link ConnectionPool.runInteraction} runs a plain async function inside one transaction:
 *   `BEGIN`, the function's statements, then `COMMIT` when it succeeds or `ROLLBACK` when it throws
 *   or its Promise/Deferred fails. The function runs on the main thread; its statements go to the
 *   connection (for SQLite, to the worker thread that owns it).
 * - Reconnect (Twisted's `reconnect` and `good_sql`): when work fails, the connection is checked
 *   (the driver may already know it is broken; otherwise the driver's `goodSql` is run). A broken
 *   connection is discarded and a new one opened for later work; the failed work reports its
 *   error.
 * - {@link ConnectionPool.close} refuses new work, waits for the work already accepted, then
 *   closes the connections.
 *
 * @module
 */

import { Deferred } from "../defer/deferred.js";
import { ConnectionPoolClosedError } from "../errors/database.js";
import { Logger } from "../logger/logger.js";
import type { IDbConnection, IDbDriver, RunResult, SqlParams } from "./interfaces.js";
import { Transaction } from "./transaction.js";

const log = new Logger("braid.enterprise");

/** Options of a {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Connections opened by `start()` and kept open. Default 0 (Twisted: 3). */
  readonly min?: number;
  /** Most connections open at once. Default 5. */
  readonly max?: number;
  /** Check a connection after a failure and replace it when broken. Default true. */
  readonly reconnect?: boolean;
  /** Overrides the driver's `goodSql` for the check. */
  readonly goodSql?: string;
  /**
   * A reactor (or anything with `addSystemEventTrigger`): the pool is closed in its "during
   * shutdown" phase, after the work already accepted.
   */
  readonly reactor?: {
    addSystemEventTrigger(phase: "during", event: "shutdown", f: () => unknown): unknown;
  };
}

/** A snapshot of a pool's state. */
export interface ConnectionPoolStats {
  /** Connections open or opening. */
  readonly open: number;
  /** Connections lent to running work. */
  readonly busy: number;
  /** Work waiting for a connection. */
  readonly waiting: number;
}

interface Waiter {
  readonly d: Deferred<IDbConnection>;
  done: boolean;
}

/**
 * A pool of database connections.
 *
 * @example
 * ```ts
 * import { ConnectionPool, SQLiteDriver } from "braid/enterprise";
 *
 * const pool = new ConnectionPool(new SQLiteDriver({ filename: "app.db" }), { max: 4 });
 * await pool.runOperation("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)");
 * const users = await pool.runQuery<{ id: number; name: string }>(
 *   "SELECT id, name FROM users WHERE name LIKE ?", ["a%"]);
 * await pool.close();
 * ```
 */
export class ConnectionPool {
  /** The driver connections come from. */
  readonly driver: IDbDriver;
  /** Connections opened by `start()` and kept. */
  readonly min: number;
  /** Most connections open at once. */
  readonly max: number;
  /** Whether failed connections are checked and replaced. */
  readonly reconnect: boolean;
  private readonly _goodSql: string;
  private readonly _idle: IDbConnection[] = [];
  private _open = 0;
  private _busy = 0;
  private _waiters: Waiter[] = [];
  private _waiting = 0;
  private _accepted = 0;
  private _closing: Deferred<void> | undefined;
  private _drained: (() => void) | undefined;

  /** @throws RangeError when the sizes are not integers with 0 <= min <= max, 1 <= max. */
  constructor(driver: IDbDriver, options: ConnectionPoolOptions = {}) {
    this.driver = driver;
    this.min = options.min ?? 0;
    this.max = options.max ?? 5;
    if (
      !Number.isInteger(this.min) ||
      !Number.isInteger(this.max) ||
      this.min < 0 ||
      this.max < 1 ||
      this.min > this.max
    ) {
      throw new RangeError(`Invalid connection pool size: min ${this.min}, max ${this.max}`);
    }
    this.reconnect = options.reconnect ?? true;
    this._goodSql = options.goodSql ?? driver.goodSql;
    options.reactor?.addSystemEventTrigger("during", "shutdown", () => this.close());
  }

  /** Open and lent connections, and waiting work. */
  get stats(): ConnectionPoolStats {
    return { open: this._open, busy: this._busy, waiting: this._waiting };
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this._closing !== undefined;
  }

  /**
   * Opens the `min` connections.
   *
   * @returns a Deferred that fires when they are open, or fails with the first error.
   */
  start(): Deferred<void> {
    return this._accept(async () => {
      const opening: Promise<IDbConnection>[] = [];
      while (this._open + opening.length < this.min) opening.push(this.driver.connect());
      this._open += opening.length;
      const results = await Promise.allSettled(opening);
      for (const r of results) {
        if (r.status === "fulfilled") this._idle.push(r.value);
        else this._open--;
      }
      this._serveWaiters();
      const failed = results.find((r) => r.status === "rejected");
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    });
  }

  /**
   * Runs a statement that returns rows.
   *
   * @example
   * ```ts
   * const rows = await pool.runQuery<{ n: number }>("SELECT count(*) AS n FROM users");
   * ```
   */
  runQuery<Row = Record<string, unknown>>(sql: string, params?: SqlParams): Deferred<Row[]> {
    return this.runWithConnection((c) => c.query(sql, params) as Promise<Row[]>);
  }

  /** Runs a statement for its effect (`INSERT`, `UPDATE`, DDL); reports the rows changed. */
  runOperation(sql: string, params?: SqlParams): Deferred<RunResult> {
    return this.runWithConnection((c) => c.run(sql, params));
  }

  /**
   * Runs `fn(txn, ...args)` in a transaction and fires with its result once committed. When `fn`
   * throws, or returns a Promise or Deferred that fails, the transaction is rolled back and the
   * Deferred fails with that error. Cancelling the Deferred while the work waits for a
   * connection removes it.
   *
   * @example
   * ```ts
   * const moved = await pool.runInteraction(async (txn, from: number, to: number, amount: number) => {
   *   const row = await txn.queryOne<{ balance: number }>(
   *     "SELECT balance FROM accounts WHERE id = ?", [from]);
   *   if (row === undefined || row.balance < amount) throw new Error("insufficient funds");
   *   await txn.run("UPDATE accounts SET balance = balance - ? WHERE id = ?", [amount, from]);
   *   await txn.run("UPDATE accounts SET balance = balance + ? WHERE id = ?", [amount, to]);
   *   return amount; // both updates commit together, or neither does
   * }, 1, 2, 50);
   * ```
   */
  runInteraction<R, A extends unknown[]>(
    fn: (txn: Transaction, ...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Deferred<Awaited<R>> {
    return this.runWithConnection(async (c) => {
      await c.exec(this.driver.beginSql);
      const txn = new Transaction(c);
      let result: Awaited<R>;
      try {
        result = await fn(txn, ...args);
      } catch (e) {
        txn.close();
        try {
          await c.exec("ROLLBACK");
        } catch (rollbackError) {
          log.failure("Rollback failed", rollbackError);
        }
        throw e;
      }
      txn.close();
      await c.exec("COMMIT");
      return result;
    });
  }

  /**
   * Runs `fn(connection, ...args)` with a connection of the driver to itself (Twisted's
   * `runWithConnection`): no transaction is started for it.
   */
  runWithConnection<R, A extends unknown[]>(
    fn: (connection: IDbConnection, ...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Deferred<Awaited<R>> {
    let waiter: Deferred<IDbConnection> | undefined;
    let started = false;
    const d = new Deferred<Awaited<R>>(() => {
      if (!started) waiter?.cancel();
    });
    const run = this._accept<Awaited<R>>(async (): Promise<Awaited<R>> => {
      const acquiring = this._acquire();
      waiter = acquiring;
      const c = await acquiring;
      started = true;
      let ok = false;
      try {
        const r = (await fn(c, ...args)) as Awaited<R>;
        ok = true;
        return r;
      } finally {
        await this._release(c, ok);
      }
    });
    run.addCallbacks(
      (v) => {
        if (!d.called) d.callback(v);
      },
      (f) => {
        if (!d.called) d.errback(f);
      },
    );
    return d;
  }

  /**
   * Refuses new work (it fails with `ConnectionPoolClosedError`), waits for the work already
   * accepted, then closes every connection.
   *
   * @returns a Deferred that fires once everything is closed (the same one on every call); it
   *   never fails.
   */
  close(): Deferred<void> {
    if (this._closing) return this._closing;
    const closing = new Deferred<void>();
    this._closing = closing;
    const drained =
      this._accepted === 0 ? Promise.resolve() : new Promise<void>((r) => (this._drained = r));
    drained.then(async () => {
      const all = this._idle.splice(0);
      this._open -= all.length;
      await Promise.allSettled(all.map((c) => c.close()));
      closing.callback(undefined);
    });
    return closing;
  }

  // --- internals -------------------------------------------------------------------------------

  /** Runs accepted work, counted so that `close()` can wait for it. */
  private _accept<T>(work: () => Promise<T>): Deferred<T> {
    if (this._closing) {
      const d = new Deferred<T>();
      d.errback(new ConnectionPoolClosedError());
      return d;
    }
    this._accepted++;
    const p = work();
    const done = () => {
      if (--this._accepted === 0) this._drained?.();
    };
    p.then(done, done);
    return Deferred.fromPromise(p);
  }

  /** A connection: an idle one, a new one (below `max`), or the next one released. */
  private _acquire(): Deferred<IDbConnection> {
    const idle = this._idle.pop();
    if (idle !== undefined) {
      this._busy++;
      const d = new Deferred<IDbConnection>();
      d.callback(idle);
      return d;
    }
    if (this._open < this.max) {
      this._open++;
      this._busy++;
      const d = new Deferred<IDbConnection>(() => {});
      this._connectFor(d);
      return d;
    }
    const waiter: Waiter = {
      d: new Deferred<IDbConnection>(() => {
        if (!waiter.done) {
          waiter.done = true;
          this._waiting--;
        }
      }),
      done: false,
    };
    this._waiters.push(waiter);
    this._waiting++;
    return waiter.d;
  }

  /** Returns a connection after work: checked and discarded when broken, else lent or idled. */
  private async _release(c: IDbConnection, ok: boolean): Promise<void> {
    let keep = !c.broken;
    if (keep && !ok && this.reconnect) {
      try {
        await c.query(this._goodSql);
      } catch {
        keep = false;
      }
      keep &&= !c.broken;
    }
    this._busy--;
    if (!keep) {
      this._open--;
      log.warn("Discarding a broken {driver} connection", { driver: this.driver.name });
      void c.close();
    } else {
      this._idle.push(c);
    }
    this._serveWaiters();
  }

  /**
   * Opens a connection for `d` (already counted as open and busy). When `d` was cancelled
   * meanwhile, the new connection goes to the idle list instead.
   */
  private _connectFor(d: Deferred<IDbConnection>): void {
    this.driver.connect().then(
      (c) => {
        if (!d.called) {
          d.callback(c);
          return;
        }
        this._busy--;
        this._idle.push(c);
        this._serveWaiters();
      },
      (e: unknown) => {
        this._open--;
        this._busy--;
        if (!d.called) d.errback(e);
        this._serveWaiters();
      },
    );
  }

  /** Hands idle connections (or new ones, below `max`) to waiting work. */
  private _serveWaiters(): void {
    while (this._waiters.length > 0) {
      const w = this._waiters[0]!;
      if (w.done) {
        this._waiters.shift();
        continue;
      }
      const idle = this._idle.pop();
      if (idle === undefined && this._open >= this.max) return;
      this._waiters.shift();
      w.done = true;
      this._waiting--;
      this._busy++;
      if (idle !== undefined) {
        w.d.callback(idle);
      } else {
        this._open++;
        this._connectFor(w.d);
      }
    }
  }
}
