/**
 * `ThreadPool`: worker threads for blocking or CPU-bound work, on the model of Twisted's
 * `twisted.python.threadpool.ThreadPool`, built on piscina.
 *
 * Work is a {@link TaskRef} (a function exported by a module) and its arguments. The pool keeps
 * its own first-in first-out queue and hands a task to piscina only when a worker is free, so it
 * knows exactly which tasks have started: cancelling one that has not removes it (its Deferred
 * fails with `CancelledError` and the function never runs); cancelling one that runs fails its
 * Deferred at once and drops the result when it comes (a thread cannot be interrupted, as in
 * Twisted), unless the task was started `interruptible`: then its worker is ended and replaced.
 *
 * Workers are started on demand up to `maxThreads`, `minThreads` are kept, idle ones beyond
 * that end after `idleTimeout` seconds; idle workers do not keep the process alive.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import type { MessagePort } from "node:worker_threads";
import type { Piscina } from "piscina";
import { Deferred, maybeDeferred } from "../defer/deferred.js";
import { ThreadPoolStoppedError } from "../errors/threads.js";
import { Logger } from "../logger/logger.js";
import { piscinaClass } from "./piscina.js";
import { deserializeThrown, serializeThrown } from "./serialize.js";
import type { TaskRef, Transferable } from "./task.js";
import type { TaskMessage, TaskReply } from "./worker.js";
import { type CallReply, type CallRequest, POOL_MARK, SETUP_KEY } from "./workerside.js";

const log = new Logger("braid.threads");

/** The worker program: `worker.ts` when this module runs as TypeScript (tests), else `.js`. */
const WORKER_FILE = new URL(
  import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js",
  import.meta.url,
);

/** Options of a {@link ThreadPool}. */
export interface ThreadPoolOptions {
  /** Workers kept running even when idle. Default 0. */
  readonly minThreads?: number;
  /** Most tasks running at once (one per worker). Default: the machine's available parallelism. */
  readonly maxThreads?: number;
  /** Seconds an idle worker above `minThreads` lives. Default 30. */
  readonly idleTimeout?: number;
  /** A name for logs. */
  readonly name?: string;
  /**
   * Node options of the workers. Default: the main thread's (`process.execArgv`), so a loader
   * such as `--import tsx` applies to task modules too.
   */
  readonly execArgv?: string[];
  /** Memory limits of each worker (see `Worker`'s `resourceLimits`). */
  readonly resourceLimits?: {
    readonly maxOldGenerationSizeMb?: number;
    readonly maxYoungGenerationSizeMb?: number;
    readonly stackSizeMb?: number;
  };
}

/** Options of one task. */
export interface RunTaskOptions {
  /** Objects among the arguments to move to the worker instead of copying (buffers, ports). */
  readonly transfer?: readonly Transferable[];
  /**
   * Whether cancelling the task while it runs ends its worker thread, instead of letting it run
   * on with its result dropped. For CPU-bound work that may run away (with `addTimeout`, a
   * deadline). The pool starts a new worker in its place; whatever the old one held in memory
   * (module state, caches) is lost, and work the task had under way is cut short wherever it
   * was. Default `false`, as in Twisted, where a thread cannot be interrupted.
   */
  readonly interruptible?: boolean;
}

/** A snapshot of a pool's activity. */
export interface ThreadPoolStats {
  /** Tasks waiting for a free worker. */
  readonly queued: number;
  /** Tasks running on a worker. */
  readonly running: number;
  /** Worker threads alive (busy or idle). */
  readonly threads: number;
}

interface Job {
  readonly message: TaskMessage;
  readonly transfer: readonly Transferable[] | undefined;
  readonly d: Deferred<unknown>;
  /** Aborts the running task (ends its worker) when it was started as interruptible. */
  readonly abort: AbortController | null;
  /** Set when the job left the queue (started or cancelled). */
  done: boolean;
}

/**
 * A pool of worker threads running {@link TaskRef}s.
 *
 * @example
 * ```ts
 * const pool = new ThreadPool({ minThreads: 1, maxThreads: 4 });
 * const digest = await pool.deferToThread(sha256Task, bytes);
 * pool.callInThread(compressTask, "/var/log/app.log"); // fire and forget; failures are logged
 * await pool.stop();
 * ```
 */
export class ThreadPool {
  /** The name given in the options (for logs). */
  readonly name: string;
  private _min: number;
  private _max: number;
  private readonly _idleTimeout: number;
  private readonly _execArgv: string[] | undefined;
  private readonly _resourceLimits: ThreadPoolOptions["resourceLimits"];
  private _piscina: Piscina | undefined;
  private readonly _retired = new Set<Piscina>();
  private _queue: Job[] = [];
  private _head = 0;
  private _queued = 0;
  private _running = 0;
  private _stopping: Deferred<void> | undefined;
  private readonly _exposed = new Map<string, (...args: never[]) => unknown>();
  private readonly _idleWaiters: (() => void)[] = [];

  /** @throws RangeError when the sizes are not integers with 0 <= min <= max, 1 <= max. */
  constructor(options: ThreadPoolOptions = {}) {
    this.name = options.name ?? "braid";
    this._min = options.minThreads ?? 0;
    this._max = options.maxThreads ?? Math.max(1, availableParallelism());
    if (this._max < this._min) this._max = this._min;
    checkSizes(this._min, this._max);
    this._idleTimeout = options.idleTimeout ?? 30;
    this._execArgv = options.execArgv;
    this._resourceLimits = options.resourceLimits;
  }

  /** The minimum number of workers. */
  get minThreads(): number {
    return this._min;
  }

  /** The maximum number of tasks running at once. */
  get maxThreads(): number {
    return this._max;
  }

  /** Whether {@link stop} has been called. */
  get stopped(): boolean {
    return this._stopping !== undefined;
  }

  /** Queued and running tasks, and live workers. */
  get stats(): ThreadPoolStats {
    let threads = this._piscina?.threads.length ?? 0;
    for (const p of this._retired) threads += p.threads.length;
    return { queued: this._queued, running: this._running, threads };
  }

  /**
   * Starts the `minThreads` workers now rather than at the first task. Work submitted before is
   * accepted either way (the pool starts itself).
   *
   * @throws ThreadPoolStoppedError after {@link stop}.
   */
  start(): void {
    if (this._stopping) throw new ThreadPoolStoppedError();
    this._ensurePiscina();
  }

  /**
   * Changes the pool's size (Twisted's `adjustPoolsize`); an omitted bound keeps its value. Tasks
   * already running finish on their workers; queued ones start as the new maximum allows.
   *
   * @throws RangeError when the sizes are not integers with 0 <= min <= max, 1 <= max.
   */
  adjustPoolSize(minThreads: number = this._min, maxThreads: number = this._max): void {
    if (maxThreads < minThreads) maxThreads = minThreads;
    checkSizes(minThreads, maxThreads);
    if (minThreads === this._min && maxThreads === this._max) return;
    this._min = minThreads;
    this._max = maxThreads;
    const old = this._piscina;
    if (old !== undefined) {
      // piscina's bounds are fixed: new tasks go to a new piscina, the old one drains and closes.
      this._piscina = undefined;
      this._retired.add(old);
      old.close().then(
        () => this._retired.delete(old),
        (e: unknown) => log.failure("Closing a resized thread pool failed", e),
      );
      if (!this._stopping) this._ensurePiscina();
    }
    this._pump();
  }

  /**
   * Makes `fn` callable from the pool's tasks by `name` with `blockingCallFromThread` (the
   * worker waits for its result; a Deferred or Promise it returns is awaited) and
   * `callFromThread` (no waiting). Arguments and result are structured-cloned.
   */
  expose<A extends unknown[]>(name: string, fn: (...args: A) => unknown): void {
    this._exposed.set(name, fn as (...args: never[]) => unknown);
  }

  /** Removes a function made available by {@link expose}. */
  unexpose(name: string): void {
    this._exposed.delete(name);
  }

  /**
   * Runs `task` with `args` on a worker.
   *
   * @returns a Deferred for the task's result. It fails with the task's error (its name,
   *   message and stack preserved: see `ThreadTaskError`), with `TaskNotFoundError` when the
   *   module has no such function, with `ThreadPoolStoppedError` after {@link stop}, or with the
   *   worker's death. Cancelling it before the task starts removes the task; cancelling it
   *   while the task runs drops the result, or ends the worker with `options.interruptible`.
   *
   * @example
   * ```ts
   * // At most 2 s of a worker's time, then the worker is ended and replaced.
   * pool.runTask(solveTask, [puzzle], { interruptible: true }).addTimeout(2, reactor);
   * ```
   */
  runTask<A extends unknown[], R>(
    task: TaskRef<A, R>,
    args: A,
    options: RunTaskOptions = {},
  ): Deferred<R> {
    const job: Job = {
      message: { moduleUrl: task.moduleUrl, exportName: task.exportName, args },
      transfer: options.transfer,
      d: new Deferred<unknown>(() => {
        if (!job.done) {
          job.done = true;
          this._queued--;
          this._pump();
        } else {
          job.abort?.abort();
        }
      }),
      abort: options.interruptible ? new AbortController() : null,
      done: false,
    };
    if (this._stopping) {
      job.d.errback(new ThreadPoolStoppedError());
      return job.d as Deferred<R>;
    }
    this._queue.push(job);
    this._queued++;
    this._pump();
    return job.d as Deferred<R>;
  }

  /** Runs `task(...args)` on a worker; see {@link runTask}. */
  deferToThread<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): Deferred<R> {
    return this.runTask(task, args);
  }

  /**
   * Runs `task(...args)` on a worker without waiting for it; a failure is logged
   * (namespace `braid.threads`).
   */
  callInThread<A extends unknown[], R>(task: TaskRef<A, R>, ...args: A): void {
    this.runTask(task, args).addErrback((f) => {
      log.failure("Task {task} run by callInThread failed", f, { task: task.exportName });
    });
  }

  /**
   * Runs `task(...args)` on a worker and calls `onResult(true, result)` or
   * `onResult(false, error)` on the main thread when it is done (Twisted's
   * `callInThreadWithCallback`). An exception `onResult` throws is logged.
   */
  callInThreadWithCallback<A extends unknown[], R>(
    onResult: (success: boolean, result: unknown) => void,
    task: TaskRef<A, R>,
    ...args: A
  ): void {
    const report = (ok: boolean, value: unknown) => {
      try {
        onResult(ok, value);
      } catch (e) {
        log.failure("callInThreadWithCallback's callback failed", e);
      }
    };
    this.runTask(task, args).addCallbacks(
      (v) => report(true, v),
      (f) => report(false, f.value),
    );
  }

  /**
   * Stops the pool: new work fails with `ThreadPoolStoppedError`; queued and running tasks
   * finish; then the workers end.
   *
   * @returns a Deferred that fires once every worker has ended (the same one on every call).
   */
  stop(): Deferred<void> {
    if (this._stopping) return this._stopping;
    const stopping = new Deferred<void>();
    this._stopping = stopping;
    this._whenIdle().then(async () => {
      const all = [...this._retired];
      if (this._piscina !== undefined) all.push(this._piscina);
      this._piscina = undefined;
      await Promise.allSettled(all.map((p) => p.destroy()));
      this._retired.clear();
      stopping.callback(undefined);
    });
    return stopping;
  }

  // --- internals -------------------------------------------------------------------------------

  private _whenIdle(): Promise<void> {
    if (this._queued === 0 && this._running === 0) return Promise.resolve();
    return new Promise((resolve) => this._idleWaiters.push(resolve));
  }

  private _ensurePiscina(): Piscina {
    if (this._piscina !== undefined) return this._piscina;
    const piscina = new (piscinaClass())({
      filename: WORKER_FILE.href,
      minThreads: this._min,
      maxThreads: this._max,
      idleTimeout: this._idleTimeout * 1000,
      concurrentTasksPerWorker: 1,
      workerData: { [POOL_MARK]: true },
      ...(this._execArgv !== undefined ? { execArgv: this._execArgv } : {}),
      ...(this._resourceLimits !== undefined
        ? { resourceLimits: { ...this._resourceLimits } }
        : {}),
    });
    // piscina emits 'error' for a worker that fails with no task on it (and after aborts).
    piscina.on("error", (e: unknown) => log.failure("A worker thread failed", e));
    piscina.on("message", (m: unknown) => this._onWorkerMessage(m));
    this._piscina = piscina;
    return piscina;
  }

  private _pump(): void {
    while (this._running < this._max && this._head < this._queue.length) {
      const job = this._queue[this._head++]!;
      if (job.done) continue;
      job.done = true;
      this._queued--;
      this._start(job);
    }
    if (this._head > 1024 && this._head * 2 > this._queue.length) {
      this._queue = this._queue.slice(this._head);
      this._head = 0;
    }
    if (this._queued === 0 && this._running === 0) {
      for (const w of this._idleWaiters.splice(0)) w();
    }
  }

  private _start(job: Job): void {
    this._running++;
    const piscina = this._ensurePiscina();
    const options = {
      ...(job.transfer === undefined ? {} : { transferList: [...job.transfer] }),
      ...(job.abort === null ? {} : { signal: job.abort.signal }),
    };
    piscina.run(job.message, options).then(
      (reply: TaskReply) => {
        this._running--;
        if (!job.d.called) {
          if (reply.ok) job.d.callback(reply.value);
          else job.d.errback(deserializeThrown(reply.error));
        }
        this._pump();
      },
      (e: unknown) => {
        this._running--;
        if (!job.d.called) job.d.errback(e);
        this._pump();
      },
    );
  }

  private _onWorkerMessage(m: unknown): void {
    if (typeof m !== "object" || m === null || !(SETUP_KEY in m)) return;
    const { port, flag } = (m as Record<string, { port: MessagePort; flag: Int32Array }>)[
      SETUP_KEY
    ]!;
    port.on("message", (request: CallRequest) => this._onCall(port, flag, request));
    port.unref();
  }

  private _onCall(port: MessagePort, flag: Int32Array, request: CallRequest): void {
    const reply = (r: CallReply) => {
      if (!request.wait) return;
      try {
        port.postMessage(r);
      } catch (e) {
        port.postMessage({ ok: false, error: serializeThrown(e) } satisfies CallReply);
      }
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    };
    if (request.settle) {
      // Requests are handled in the order sent: every call before this one has run.
      reply({ ok: true, value: undefined });
      return;
    }
    const fn = this._exposed.get(request.name);
    if (fn === undefined) {
      const error = new Error(`The thread pool exposes no function named "${request.name}"`);
      error.name = "MainThreadCallError";
      if (request.wait) reply({ ok: false, error: serializeThrown(error) });
      else
        log.error("A worker called {name}, which the pool does not expose", { name: request.name });
      return;
    }
    maybeDeferred(fn as (...args: unknown[]) => unknown, ...request.args).addCallbacks(
      (value) => reply({ ok: true, value }),
      (f) => {
        if (request.wait) reply({ ok: false, error: serializeThrown(f.value) });
        else
          log.failure("Main-thread function {name} called from a worker failed", f, {
            name: request.name,
          });
      },
    );
  }
}

function checkSizes(min: number, max: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < 1) {
    throw new RangeError(`Invalid thread pool size: min ${min}, max ${max}`);
  }
}
