/**
 * `deferToThread` and friends: run a task on a worker thread and get a Deferred for its result
 * (Twisted's `twisted.internet.threads`).
 *
 * {@link deferToThread} uses the default pool: the reactor's, once the reactor has installed it
 * with {@link setDefaultThreadPoolProvider}, otherwise one made on first use (its idle workers do
 * not keep the process alive). {@link deferToThreadPool} takes the pool explicitly.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import { ThreadPool } from "./pool.js";
import type { TaskRef } from "./task.js";

let provider: (() => ThreadPool) | undefined;
let fallback: ThreadPool | undefined;

/**
 * Makes `get` the source of the default pool used by {@link deferToThread} (the shared reactor
 * installs `() => reactor.getThreadPool()`); `undefined` goes back to a pool of the module's own.
 */
export function setDefaultThreadPoolProvider(get: (() => ThreadPool) | undefined): void {
  provider = get;
}

/** The pool {@link deferToThread} uses now (made on first use when no provider is installed). */
export function getDefaultThreadPool(): ThreadPool {
  if (provider !== undefined) return provider();
  if (fallback === undefined || fallback.stopped) fallback = new ThreadPool({ name: "default" });
  return fallback;
}

/**
 * Runs `task(...args)` on a worker thread of the default pool.
 *
 * @returns a Deferred for the result; see `ThreadPool.runTask` for its failures and cancellation.
 *
 * @example
 * ```ts
 * // primes.ts
 * export function countPrimes(limit: number): number { … }
 * export const countPrimesTask = defineTask<typeof countPrimes>(import.meta.url, "countPrimes");
 *
 * // main.ts: the reactor stays responsive while a worker counts
 * deferToThread(countPrimesTask, 10_000_000)
 *   .addCallback((n) => console.log(`${n} primes`))
 *   .addErrback((f) => console.error(f.getTraceback())); // the worker's stack
 * ```
 */
export function deferToThread<A extends unknown[], R>(
  task: TaskRef<A, R>,
  ...args: A
): Deferred<R> {
  return getDefaultThreadPool().runTask(task, args);
}

/** Runs `task(...args)` on a worker thread of `pool`; see `ThreadPool.runTask`. */
export function deferToThreadPool<A extends unknown[], R>(
  pool: ThreadPool,
  task: TaskRef<A, R>,
  ...args: A
): Deferred<R> {
  return pool.runTask(task, args);
}
