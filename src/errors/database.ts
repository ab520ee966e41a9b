/**
 * Errors of the database area (`braid/enterprise`): the connection pool and its drivers.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/** Work was submitted to a `ConnectionPool` after `close()` (or before it could start). */
export class ConnectionPoolClosedError extends BraidError {
  constructor(message = "The connection pool is closed", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectionPoolClosedError, "ERR_CONNECTION_POOL_CLOSED");

/**
 * A database connection was lost (the server ended it, the worker thread that owned it died, or
 * it was closed). The pool discards such a connection and opens a new one for the next work;
 * the operation that was running reports this error, its `cause` the driver's error.
 */
export class DatabaseConnectionLost extends BraidError {
  constructor(message = "The database connection was lost", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(DatabaseConnectionLost, "ERR_DATABASE_CONNECTION_LOST");

/**
 * A transaction's `COMMIT` or `ROLLBACK` failed, or a transaction object was used after its
 * interaction had finished.
 */
export class TransactionError extends BraidError {
  constructor(message = "The transaction failed", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TransactionError, "ERR_TRANSACTION");
