/**
 * The reactor's thread pool (Twisted's `IReactorThreads`, the part that needs threads):
 * `ReactorThreads` makes the pool on first use, stops it in the "during shutdown" phase, and makes
 * a new one if work arrives after a shutdown (a reactor can run again). The reactor delegates
 * `getThreadPool`, `callInThread` and `suggestThreadPoolSize` to it.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import { ThreadPool, type ThreadPoolOptions } from "./pool.js";
import type { TaskRef } from "./task.js";

/** What `ReactorThreads` needs of a reactor: a way to run code during its shutdown. */
export interface IShutdownTriggers {
  addSystemEventTrigger(
    phase: "during",
    event: "shutdown",
    f: () => Deferred<void> | undefined,
  ): unknown;
}

/**
 * The thread-pool part of a reactor. The pool is made on first use (Twisted's default sizes:
 * min 0; max 10 unless {@link suggestThreadPoolSize} said otherwise) and stopped, its queued and
 * running tasks finished first, during the reactor's shutdown.
 *
 * @example
 * ```ts
 * class Reactor { private readonly _threads = new ReactorThreads(this);
 *   getThreadPool() { return this._threads.getThreadPool(); } … }
 * ```
 */
export class ReactorThreads {
  private _pool: ThreadPool | undefined;
  private _max: number;
  private readonly _reactor: IShutdownTriggers;
  private readonly _options: ThreadPoolOptions;

  constructor(reactor: IShutdownTriggers, options: ThreadPoolOptions = {}) {
    this._reactor = reactor;
    this._options = options;
    this._max = options.maxThreads ?? 10;
  }

  /** The reactor's pool, made (and its shutdown trigger added) on first use. */
  getThreadPool(): ThreadPool {
    let pool = this._pool;
    if (pool === undefined || pool.stopped) {
      pool = new ThreadPool({ name: "reactor", ...this._options, maxThreads: this._max });
      this._pool = pool;
      const mine = pool;
      this._reactor.addSystemEventTrigger("during", "shutdown", () => {
        if (this._pool === mine) this._pool = undefined;
        return mine.stop();
      });
    }
    return pool;
  }

  /** Runs `task(...args)` on the reactor's pool without waiting; failures are logged. */
  callInThread<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): void {
    this.getThreadPool().callInThread(task, ...args);
  }

  /** Sets the pool's maximum size (now, or when it is made). */
  suggestThreadPoolSize(size: number): void {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Invalid thread pool size: ${size}`);
    }
    this._max = size;
    const pool = this._pool;
    if (pool !== undefined && !pool.stopped) {
      pool.adjustPoolSize(Math.min(pool.minThreads, size), size);
    }
  }
}
