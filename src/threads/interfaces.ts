/**
 * The contract the reactor meets for worker threads. `IReactorThreadPool` is the part of
 * Twisted's `IReactorThreads` that needs threads; the reactor's `IReactorThreads` extends it with
 * `callFromThread`.
 *
 * @module
 */

import type { ThreadPool } from "./pool.js";
import type { TaskRef } from "./task.js";

/** A reactor's worker threads. */
export interface IReactorThreadPool {
  /**
   * The reactor's thread pool, made on first use and stopped during the reactor's shutdown
   * (queued and running tasks finish first). After a shutdown, a new pool is made on next use.
   */
  getThreadPool(): ThreadPool;
  /** Runs `task(...args)` on the reactor's pool without waiting; a failure is logged. */
  callInThread<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): void;
  /**
   * Sets the maximum number of worker threads of the reactor's pool.
   *
   * @throws RangeError when `size` is not a positive integer.
   */
  suggestThreadPoolSize(size: number): void;
}
