/**
 * `Transaction`: the `ITransaction` an interaction receives. It forwards statements to the
 * connection the pool lent the interaction and refuses them once the interaction is over.
 *
 * @module
 */

import { Deferred } from "../defer/deferred.js";
import { TransactionError } from "../errors/database.js";
import type { IDbConnection, ITransaction, RunResult, SqlParams } from "./interfaces.js";

/** The transaction of one `runInteraction`; see {@link ITransaction}. */
export class Transaction implements ITransaction {
  private _connection: IDbConnection | undefined;

  /** @internal made by the pool, with the connection it holds for the interaction. */
  constructor(connection: IDbConnection) {
    this._connection = connection;
  }

  /** Whether the interaction is over (the transaction was committed or rolled back). */
  get finished(): boolean {
    return this._connection === undefined;
  }

  /** {@inheritDoc ITransaction.query} */
  query<Row = Record<string, unknown>>(sql: string, params?: SqlParams): Deferred<Row[]> {
    return this._do((c) => c.query(sql, params) as Promise<Row[]>);
  }

  /** {@inheritDoc ITransaction.queryOne} */
  queryOne<Row = Record<string, unknown>>(
    sql: string,
    params?: SqlParams,
  ): Deferred<Row | undefined> {
    return this._do(async (c) => (await c.query(sql, params))[0] as Row | undefined);
  }

  /** {@inheritDoc ITransaction.run} */
  run(sql: string, params?: SqlParams): Deferred<RunResult> {
    return this._do((c) => c.run(sql, params));
  }

  /** @internal ends the transaction: later statements fail. */
  close(): void {
    this._connection = undefined;
  }

  private _do<T>(f: (c: IDbConnection) => Promise<T>): Deferred<T> {
    const c = this._connection;
    if (c === undefined) {
      const d = new Deferred<T>();
      d.errback(new TransactionError("The transaction is over: its interaction has finished"));
      return d;
    }
    return Deferred.fromPromise(f(c));
  }
}
