/**
 * Errors of the threads area (`braid/threads`): worker pools, tasks run on worker threads, and
 * calls from a worker back to the main thread.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/**
 * A task failed on a worker thread with an error whose class does not exist on this side (any
 * class but JavaScript's built-in errors, which come back as themselves). `name`, `message` and
 * `stack` are the worker's; the thrown error's own `code`, if it had one, is in {@link remoteCode}
 * and its other own data properties in {@link data}.
 *
 * @example
 * ```ts
 * d.addErrback((f) => {
 *   if (f.value instanceof ThreadTaskError && f.value.name === "ValidationError") { ... }
 * });
 * ```
 */
export class ThreadTaskError extends BraidError {
  /** The error's class name on the worker (`ValidationError`, `CancelledError`, …). */
  readonly remoteName: string;
  /** The error's own `code` on the worker (`ERR_…`, `ENOENT`, …), when it had one. */
  readonly remoteCode: string | undefined;
  /** The error's other own enumerable properties, structured-cloned. */
  readonly data: Readonly<Record<string, unknown>>;

  constructor(
    remoteName = "Error",
    message = "A task failed on a worker thread",
    options?: ErrorOptions & { remoteCode?: string; data?: Record<string, unknown> },
  ) {
    super(message, options);
    this.remoteName = remoteName;
    this.remoteCode = options?.remoteCode;
    this.data = options?.data ?? {};
  }

  /** The worker-side class name, so that reports read like the original error. */
  override get name(): string {
    return this.remoteName;
  }
}
withCode(ThreadTaskError, "ERR_THREAD_TASK");

/** Work was submitted to a thread pool that has been stopped (or is stopping). */
export class ThreadPoolStoppedError extends BraidError {
  constructor(message = "The thread pool has been stopped", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ThreadPoolStoppedError, "ERR_THREAD_POOL_STOPPED");

/** A task names a module export that does not exist or is not a function. */
export class TaskNotFoundError extends BraidError {
  constructor(message = "The task's module has no such function", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TaskNotFoundError, "ERR_TASK_NOT_FOUND");

/**
 * `blockingCallFromThread` / `callFromThread` in a worker named a main-thread function the pool
 * does not expose, or was used outside a task of a Braid thread pool.
 */
export class MainThreadCallError extends BraidError {
  constructor(message = "The main-thread call could not be made", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(MainThreadCallError, "ERR_MAIN_THREAD_CALL");
