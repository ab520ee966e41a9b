/**
 * Locks and semaphores for code that runs in Deferred chains: {@link DeferredLock} and
 * {@link DeferredSemaphore}.
 *
 * Nothing here blocks. `acquire()` returns a Deferred that fires with the lock once it is yours;
 * `release()` hands it to the next in line, first come first served. `run(fn)` does both around a
 * function, however it ends. A pending `acquire()` can be cancelled, which takes it out of the
 * line.
 *
 * The hand-over to the next waiter happens synchronously inside `release()`, as in Twisted, but
 * without recursion: when a waiter's callback releases again, the next waiter is served after
 * that callback returns, so a line of 100,000 waiters that each release at once does not grow the
 * stack.
 *
 * @module
 */

import { InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { Deferred, maybeDeferred, type Unwrapped } from "./deferred.js";
import { Fifo } from "./queue.js";

/**
 * What {@link DeferredLock} and {@link DeferredSemaphore} share: a pool of tokens taken by
 * `acquire()` and given back by `release()`, a first-in first-out line of waiters, and `run`.
 * Not meant to be subclassed outside this module.
 */
export abstract class ConcurrencyPrimitive {
  /** @internal tokens free right now. */
  protected _available: number;
  /** @internal Deferreds of `acquire()` calls waiting for a token, oldest first. */
  private readonly _waiting = new Fifo<Deferred<this>>();
  /** @internal Deferreds given a token but not fired yet, because a hand-over is already under way. */
  private readonly _granted = new Fifo<Deferred<this>>();
  /** @internal set while {@link _grant} fires Deferreds, to serve later hand-overs iteratively. */
  private _delivering = false;

  /** @internal */
  protected constructor(tokens: number) {
    this._available = tokens;
  }

  /** How many `acquire()` calls are waiting. */
  get waiting(): number {
    return this._waiting.length;
  }

  /**
   * A Deferred that fires with this object once a token is yours: at once when one is free,
   * otherwise when every earlier waiter has had its turn.
   *
   * Cancelling it while it waits takes it out of the line (it fails with `CancelledError`);
   * cancelling it after it fired does nothing, and the token is still yours to release.
   */
  acquire(): Deferred<this> {
    const d = new Deferred<this>(this._cancelAcquire);
    if (this._available > 0) {
      this._available--;
      // Keep callbacks in the order tokens were handed out.
      if (this._granted.length > 0) this._granted.push(d);
      else d.callback(this);
    } else {
      this._waiting.push(d);
    }
    return d;
  }

  /**
   * Gives a token back: the oldest waiter gets it (its Deferred fires before `release` returns,
   * unless a hand-over is already running further up the stack), or it becomes free.
   *
   * @throws {@link InvalidStateError} when nothing is held.
   */
  abstract release(): void;

  /**
   * Acquires, calls `fn(...args)`, and releases once the result of `fn` (or of the Deferred or
   * Promise it returns) is known, whether it succeeded or failed.
   *
   * @returns a Deferred of `fn`'s result. Cancelling it while it waits for the token means `fn`
   *   never runs; cancelling it while `fn`'s Deferred is pending cancels that Deferred.
   *
   * @example
   * ```ts
   * const lock = new DeferredLock();
   * // Two writes to the same file never interleave:
   * lock.run(appendRecord, file, record1);
   * lock.run(appendRecord, file, record2).addCallback(() => console.log("both written"));
   * ```
   */
  run<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...args: A
  ): Deferred<Exclude<Unwrapped<R>, Failure>> {
    return this.acquire().addCallback(() =>
      maybeDeferred(fn, ...args).addBoth(this._releaseAndReturn),
    );
  }

  /** @internal one token comes back: to the oldest waiter, or to the pool. */
  protected _giveBack(): void {
    const next = this._waiting.shift();
    if (next === undefined) this._available++;
    else this._grant(next);
  }

  /** @internal fires `d` with the token it was given, iteratively when called from a callback it fired. */
  private _grant(d: Deferred<this>): void {
    this._granted.push(d);
    if (this._delivering) return;
    this._delivering = true;
    try {
      for (let g = this._granted.shift(); g !== undefined; g = this._granted.shift()) {
        g.callback(this);
      }
    } finally {
      this._delivering = false;
    }
  }

  private readonly _cancelAcquire = (d: Deferred<this>): void => {
    if (this._waiting.remove(d)) return;
    // Given a token it has not been told about yet: it never had it, so pass it on.
    if (this._granted.remove(d)) this._giveBack();
  };

  private readonly _releaseAndReturn = <V>(result: V): V => {
    this.release();
    return result;
  };
}

/**
 * A lock for Deferred-based code: one holder at a time, the others wait in line.
 *
 * @example
 * ```ts
 * const lock = new DeferredLock();
 * lock.acquire().addCallback((l) => {
 *   // ... exclusive section, possibly returning a Deferred ...
 *   l.release();
 * });
 * ```
 */
export class DeferredLock extends ConcurrencyPrimitive {
  constructor() {
    super(1);
  }

  /** Whether someone holds the lock (or has been handed it and is about to be told). */
  get locked(): boolean {
    return this._available === 0;
  }

  /**
   * Releases the lock; the oldest waiter, if any, gets it.
   *
   * @throws {@link InvalidStateError} when the lock is not locked.
   */
  release(): void {
    if (this._available !== 0)
      throw new InvalidStateError("Tried to release an unlocked DeferredLock");
    this._giveBack();
  }
}

/**
 * A semaphore for Deferred-based code: at most `limit` holders at a time, the others wait in line.
 *
 * @example
 * ```ts
 * const sem = new DeferredSemaphore(4);
 * // At most four downloads at once:
 * const all = gatherResults(urls.map((url) => sem.run(download, url)));
 * ```
 */
export class DeferredSemaphore extends ConcurrencyPrimitive {
  /** The number of tokens the semaphore was made with: the most holders at once. */
  readonly limit: number;

  /**
   * @param tokens - how many holders may hold it at once.
   * @throws RangeError when `tokens` is not an integer of at least 1.
   */
  constructor(tokens: number) {
    if (!Number.isInteger(tokens) || tokens < 1) {
      throw new RangeError(
        `DeferredSemaphore requires an integer number of tokens >= 1, got ${tokens}`,
      );
    }
    super(tokens);
    this.limit = tokens;
  }

  /** How many tokens are free right now. */
  get tokens(): number {
    return this._available;
  }

  /**
   * Gives a token back; the oldest waiter, if any, gets it.
   *
   * @throws {@link InvalidStateError} when no token is held (more releases than acquires).
   */
  release(): void {
    if (this._available >= this.limit) {
      throw new InvalidStateError("Released a DeferredSemaphore more times than it was acquired");
    }
    this._giveBack();
  }
}
