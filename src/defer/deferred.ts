/**
 * `Deferred`: a result that is not there yet.
 *
 * A Deferred holds two chains of functions, callbacks for success and errbacks for failure.
 * Firing it (`callback(value)` or `errback(error)`) runs the chain synchronously, each function
 * receiving what the previous one returned; a thrown error or a returned {@link Failure} moves the
 * chain to the errback side, and an errback that returns normally moves it back. A function that
 * returns another Deferred (or a Promise) suspends the chain until that one fires.
 *
 * This is Twisted's Deferred with TypeScript's types: `addCallback` returns the same Deferred,
 * re-typed with the callback's result, so `Deferred<T>` always says what the next callback gets.
 * It is not a Promise: it runs synchronously when fired and can be cancelled. It is awaitable, and
 * bridges to Promises and AbortSignals at the edges.
 *
 * @module
 */

import { AlreadyCalledError, CancelledError, TimeoutError } from "../errors/errors.js";
import { Failure, isObserved, markObserved } from "../errors/failure.js";
import type { ITimeoutScheduler } from "./interfaces.js";
import { trackUnhandled, untrackUnhandled } from "./unhandled.js";

/** The value a callback may return: a plain value, or something to wait for that yields one. */
export type Chainable<U> = U | PromiseLike<U>;

/** What a callback function's result turns the chain into: `Failure`s are not values. */
type Next<U> = Exclude<U, Failure>;

/** A function called with a Deferred that is being cancelled before it fired. */
export type Canceller<T> = (d: Deferred<T>) => void;

// biome-ignore lint/suspicious/noExplicitAny: internal slot that holds callbacks of every signature
type AnyFn = (...args: any[]) => unknown;

/**
 * Marks a callback slot that passes this Deferred's result on to another Deferred that waits on
 * it (chaining). It is never called; the run loop recognises it by identity.
 */
const CONTINUE: AnyFn = () => undefined;

/** The result slot before the Deferred has fired. */
const NO_RESULT: unique symbol = Symbol("braid.defer.noResult");

/** Entries are stored flat, four slots each, to keep adding a callback allocation-free. */
const STRIDE = 4;

/** The arguments after the first, as an array. */
function extraArgs(args: IArguments): unknown[] {
  const out = new Array<unknown>(args.length - 1);
  for (let i = 1; i < args.length; i++) out[i - 1] = args[i];
  return out;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

/**
 * A value that will be available later, with callback and errback chains, chaining and
 * cancellation.
 *
 * @typeParam T - what the next callback added will receive.
 *
 * @example
 * ```ts
 * function getUser(name: string): Deferred<User> {
 *   const d = new Deferred<User>();
 *   db.lookup(name, (err, user) => (err ? d.errback(err) : d.callback(user)));
 *   return d;
 * }
 *
 * getUser("alice")
 *   .addCallback((user) => user.email)       // Deferred<string>
 *   .addErrback((f) => { f.trap(NotFound); return "unknown"; })
 *   .addCallback((email) => console.log(email));
 * ```
 */
export class Deferred<T = unknown> implements PromiseLike<T> {
  /** Whether `callback` or `errback` has been called. */
  called = false;

  /**
   * How many times {@link pause} was called more than {@link unpause}, plus one while the chain
   * waits on another Deferred. The chain only runs while this is zero.
   */
  paused = 0;

  /** @internal the current result: a value, a `Failure`, or NO_RESULT. */
  private _result: unknown = NO_RESULT;
  /** @internal the callback entries: [callback, callbackArgs, errback, errbackArgs] repeated. */
  private _chain: unknown[] = [];
  /** @internal index of the next entry to run in `_chain`. */
  private _next = 0;
  /** @internal set while a callback of this Deferred is on the stack. */
  private _running = false;
  /** @internal the Deferred this one's chain waits on, so `cancel` can reach it. */
  private _waitingOn: Deferred<unknown> | null = null;
  /** @internal typed without `T` so that `Deferred<T>` stays assignable to `Deferred<unknown>`. */
  private _canceller: Canceller<unknown> | undefined;
  /** @internal a cancel without canceller swallows the eventual `callback` of the original source. */
  private _suppressAlreadyCalled = false;
  /** @internal lazily made when someone asks for {@link signal}. */
  private _abort: AbortController | undefined;
  /** @internal the failure registered with the unhandled-error tracker, if any. */
  private _tracked = false;

  /**
   * @param canceller - called by {@link cancel} while the Deferred has not fired, to abort the
   * underlying operation. It may fire the Deferred itself (with a more precise error, or even a
   * result); if it does not, the Deferred fails with {@link CancelledError}.
   */
  constructor(canceller?: Canceller<T>) {
    this._canceller = canceller as Canceller<unknown> | undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Firing

  /**
   * Fires the Deferred with a successful result and runs the chain.
   *
   * @throws {@link AlreadyCalledError} when the Deferred has already fired (unless it was
   *   cancelled without a canceller, in which case the late result is ignored).
   * @throws TypeError when `result` is a Deferred: chain it from a callback instead.
   */
  callback(result: T): void {
    if (result instanceof Deferred) {
      throw new TypeError(
        "Deferred.callback() cannot take a Deferred; return it from a callback to chain it",
      );
    }
    this._start(result);
  }

  /**
   * Fires the Deferred with a failure and runs the errback chain. Anything can be given: it is
   * wrapped in a {@link Failure} unless it already is one.
   *
   * @throws {@link AlreadyCalledError} when the Deferred has already fired.
   */
  errback(error: unknown): void {
    this._start(Failure.from(error));
  }

  private _start(result: unknown): void {
    if (this.called) {
      if (this._suppressAlreadyCalled) {
        this._suppressAlreadyCalled = false;
        return;
      }
      throw new AlreadyCalledError("Deferred has already been called");
    }
    this.called = true;
    this._result = result;
    this._run();
  }

  // -------------------------------------------------------------------------------------------
  // Adding to the chain

  /**
   * Adds a callback and an errback at the same level of the chain: exactly one of them runs,
   * depending on whether the result at that point is a success or a failure.
   *
   * @returns this Deferred, typed with whichever of the two results it will carry.
   */
  addCallbacks<U, V = never, CA extends unknown[] = [], EA extends unknown[] = []>(
    onSuccess: (value: T, ...args: CA) => Chainable<U>,
    onFailure: ((failure: Failure, ...args: EA) => Chainable<V>) | null,
    callbackArgs?: CA,
    errbackArgs?: EA,
  ): Deferred<Next<U> | Next<V>> {
    return this._add(onSuccess, callbackArgs, onFailure, errbackArgs) as unknown as Deferred<
      Next<U> | Next<V>
    >;
  }

  /**
   * Adds a function that receives the result when the chain is on the success side; its return
   * value (or the result of the Deferred / Promise it returns) becomes the next result.
   * Extra arguments are passed after the result.
   *
   * @example
   * ```ts
   * const d: Deferred<number> = succeed("42").addCallback((s) => Number(s));
   * ```
   */
  addCallback<U, A extends unknown[] = []>(
    fn: (value: T, ...args: A) => Chainable<U>,
    ...args: A
  ): Deferred<Next<U>>;
  addCallback(fn: AnyFn): Deferred<unknown> {
    // `arguments` instead of a rest parameter: no array is made for the common call without extras.
    // biome-ignore lint/complexity/noArguments: see above
    return this._add(fn, arguments.length > 1 ? extraArgs(arguments) : undefined, null, undefined);
  }

  /**
   * Adds a function that receives the {@link Failure} when the chain is on the failure side.
   * Returning normally recovers (the value becomes the next result); throwing, or calling
   * `failure.trap(...)` with types that do not match, keeps the chain on the failure side.
   */
  addErrback<V = never, A extends unknown[] = []>(
    fn: (failure: Failure, ...args: A) => Chainable<V>,
    ...args: A
  ): Deferred<T | Next<V>>;
  addErrback(fn: AnyFn): Deferred<unknown> {
    // biome-ignore lint/complexity/noArguments: no array for the common call without extras
    return this._add(null, undefined, fn, arguments.length > 1 ? extraArgs(arguments) : undefined);
  }

  /**
   * Adds the same function as callback and errback: it receives either the value or the
   * {@link Failure}, like a `finally` that can see and replace the result.
   */
  addBoth<U, A extends unknown[] = []>(
    fn: (result: T | Failure, ...args: A) => Chainable<U>,
    ...args: A
  ): Deferred<Next<U>>;
  addBoth(fn: AnyFn): Deferred<unknown> {
    // biome-ignore lint/complexity/noArguments: no array for the common call without extras
    const a = arguments.length > 1 ? extraArgs(arguments) : undefined;
    return this._add(fn, a, fn, a);
  }

  /**
   * Makes `other` fire with this Deferred's result when it is reached in the chain; after that
   * this Deferred's result is `undefined`. Cancelling this Deferred does not cancel `other`.
   */
  chainDeferred(other: Deferred<T>): Deferred<undefined> {
    return this.addCallbacks(
      (v) => {
        other.callback(v);
        return undefined;
      },
      (f) => {
        other.errback(f);
        return undefined;
      },
    );
  }

  private _add(
    cb: AnyFn | null,
    cbArgs: unknown[] | undefined,
    eb: AnyFn | null,
    ebArgs: unknown[] | undefined,
  ): this {
    this._chain.push(cb, cbArgs, eb, ebArgs);
    if (this.called) this._run();
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Pausing and cancelling

  /** Stops the chain from running until a matching {@link unpause}; calls nest. */
  pause(): void {
    this.paused++;
  }

  /** Undoes one {@link pause}; when none remain and the Deferred has fired, the chain resumes. */
  unpause(): void {
    if (this.paused === 0) return;
    this.paused--;
    if (this.paused === 0 && this.called) this._run();
  }

  /**
   * Cancels the operation this Deferred stands for.
   *
   * - Not yet fired: the canceller runs; if it did not fire the Deferred, it fails with
   *   {@link CancelledError}. Without a canceller, a later `callback`/`errback` from the original
   *   source is silently ignored.
   * - Fired, but its chain waits on another Deferred: that Deferred is cancelled.
   * - Otherwise: nothing happens.
   *
   * Anyone holding {@link signal} sees it abort.
   */
  cancel(): void {
    if (!this.called) {
      this._abort?.abort(new CancelledError());
      const canceller = this._canceller;
      if (canceller) {
        canceller(this as Deferred<unknown>);
      } else {
        this._suppressAlreadyCalled = true;
      }
      if (!this.called) this.errback(new CancelledError());
    } else if (this._waitingOn !== null) {
      this._waitingOn.cancel();
    }
  }

  /**
   * An AbortSignal that aborts when this Deferred is cancelled before it fired, so that work
   * started for it (a `fetch`, a stream) stops too.
   *
   * @example
   * ```ts
   * const d = new Deferred<Response>();
   * fetch(url, { signal: d.signal }).then((r) => d.callback(r), (e) => d.errback(e));
   * d.cancel(); // aborts the fetch; d fails with CancelledError
   * ```
   */
  get signal(): AbortSignal {
    if (this._abort === undefined) {
      this._abort = new AbortController();
    }
    return this._abort.signal;
  }

  /**
   * Cancels this Deferred when `signal` aborts. The listener is removed once the Deferred's
   * result reaches this point of the chain, so a long-lived signal does not keep it alive.
   *
   * @returns this Deferred.
   */
  cancelOnAbort(signal: AbortSignal): this {
    if (signal.aborted) {
      this.cancel();
      return this;
    }
    const onAbort = () => this.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    this._add(
      (v: unknown) => {
        signal.removeEventListener("abort", onAbort);
        return v;
      },
      undefined,
      (f: unknown) => {
        signal.removeEventListener("abort", onAbort);
        return f;
      },
      undefined,
    );
    return this;
  }

  /**
   * Fails this Deferred with {@link TimeoutError} if it has not fired within `seconds` on
   * `clock`, by cancelling it (so the canceller still cleans up).
   *
   * @param onTimeoutCancel - replaces the default conversion of the cancellation into a
   *   `TimeoutError`: it receives the result (normally a `CancelledError` failure) and the timeout.
   * @returns this Deferred.
   *
   * @example
   * ```ts
   * endpoint.connect(factory).addTimeout(5, reactor);
   * ```
   */
  addTimeout(
    seconds: number,
    clock: ITimeoutScheduler,
    onTimeoutCancel?: (result: T | Failure, timeout: number) => unknown,
  ): this {
    let timedOut = false;
    const timer = clock.callLater(seconds, () => {
      timedOut = true;
      this.cancel();
    });
    this._add(
      (v: unknown) => {
        if (timer.active()) timer.cancel();
        return timedOut && onTimeoutCancel ? onTimeoutCancel(v as T, seconds) : v;
      },
      undefined,
      (f: Failure) => {
        if (timer.active()) timer.cancel();
        if (!timedOut) return f;
        if (onTimeoutCancel) return onTimeoutCancel(f, seconds);
        if (f.check(CancelledError)) throw new TimeoutError(seconds, undefined, { cause: f.value });
        return f;
      },
      undefined,
    );
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Promise interop

  /**
   * Makes a Deferred awaitable: behaves like `Promise.prototype.then` on the result at this point
   * of the chain, without changing the chain (the value or failure passes on unchanged). A
   * failure is delivered as its original error value, not as a {@link Failure}.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.asPromise().then(onFulfilled, onRejected);
  }

  /**
   * A Promise for the result at this point of the chain; the chain itself is unchanged. A failure
   * rejects the Promise with the original error and counts as handled here (the Promise reports
   * it if nobody handles the rejection).
   */
  asPromise(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this._add(
        (v: T) => {
          resolve(v);
          return v;
        },
        undefined,
        (f: Failure) => {
          markObserved(f);
          reject(f.value);
          return f;
        },
        undefined,
      );
    });
  }

  /**
   * A Deferred that fires with the Promise's (or thenable's) outcome. Cancelling the Deferred
   * cannot stop the Promise: it fails with {@link CancelledError} and the Promise's eventual
   * outcome is ignored. For work that can be aborted, see {@link Deferred.fromAbortable}.
   */
  static fromPromise<V>(promise: PromiseLike<V>): Deferred<V> {
    if (promise instanceof Deferred) return promise as Deferred<V>;
    const d = new Deferred<V>();
    promise.then(
      (v) => {
        if (!d.called) d.callback(v);
      },
      (e: unknown) => {
        if (!d.called) d.errback(e);
      },
    );
    return d;
  }

  /**
   * Starts abortable work and returns a Deferred for it: `start` receives an AbortSignal that
   * aborts when the Deferred is cancelled.
   *
   * @example
   * ```ts
   * const d = Deferred.fromAbortable((signal) => fetch(url, { signal }));
   * d.cancel(); // aborts the request
   * ```
   */
  static fromAbortable<V>(start: (signal: AbortSignal) => PromiseLike<V>): Deferred<V> {
    const controller = new AbortController();
    const d = new Deferred<V>(() => controller.abort(new CancelledError()));
    let promise: PromiseLike<V>;
    try {
      promise = start(controller.signal);
    } catch (e) {
      d.errback(e);
      return d;
    }
    promise.then(
      (v) => {
        if (!d.called) d.callback(v);
      },
      (e: unknown) => {
        if (!d.called) d.errback(e);
      },
    );
    return d;
  }

  /**
   * A Deferred that fails with {@link CancelledError} (its `cause` the signal's reason) when
   * `signal` aborts, and never succeeds; cancelling it detaches from the signal. Useful to race
   * against other Deferreds.
   */
  static fromSignal(signal: AbortSignal): Deferred<never> {
    const onAbort = () => {
      if (!d.called)
        d.errback(new CancelledError("The signal was aborted", { cause: signal.reason }));
    };
    const d = new Deferred<never>(() => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    return d;
  }

  // -------------------------------------------------------------------------------------------
  // The run loop

  /**
   * Runs the chains of this Deferred and of every Deferred that waits on it, iteratively: a chain
   * of 100,000 nested Deferreds uses no more stack than one.
   *
   * `current` is the Deferred whose entries run; `suspended` (made only when chaining needs it)
   * holds Deferreds that handed their result to a waiter and resume their own chain after it.
   */
  private _run(): void {
    let current: Deferred<unknown> = this as Deferred<unknown>;
    let suspended: Deferred<unknown>[] | null = null;
    for (;;) {
      if (current.paused === 0 && !current._running) {
        const next = current._runEntries();
        if (next !== null) {
          // `current` handed its result to `next`, which waited on it; run `next`, then come back.
          if (suspended === null) suspended = [];
          suspended.push(current);
          current = next;
          continue;
        }
      }
      if (suspended === null || suspended.length === 0) return;
      current = suspended.pop()!;
    }
  }

  /**
   * Runs this Deferred's entries until they are done, it pauses, or it must wait on another
   * Deferred. Returns the Deferred that waited on this one when the result was handed over to it
   * (the caller runs that one next), or `null`.
   */
  private _runEntries(): Deferred<unknown> | null {
    if (this._tracked) {
      this._tracked = false;
      untrackUnhandled(this);
    }
    this._waitingOn = null;
    const chain = this._chain;
    this._running = true;
    while (this._next < chain.length) {
      const i = this._next;
      this._next = i + STRIDE;
      const cb = chain[i] as AnyFn | null;
      if (cb === CONTINUE) {
        // Hand the result to the Deferred that waits on this one.
        const waiter = chain[i + 2] as Deferred<unknown>;
        waiter._result = this._result;
        this._result = undefined;
        waiter.paused--;
        this._running = false;
        return waiter;
      }
      let result = this._result;
      const isFailure = result instanceof Failure;
      const fn = isFailure ? (chain[i + 2] as AnyFn | null) : cb;
      if (fn === null) continue;
      const args = chain[isFailure ? i + 3 : i + 1] as unknown[] | undefined;
      try {
        result = args === undefined ? fn(result) : fn(result, ...args);
      } catch (e) {
        result = Failure.from(e);
      }
      if (result !== null && typeof result === "object") {
        if (result === this) {
          result = new Failure(new TypeError("A Deferred's callback returned the Deferred itself"));
        } else if (result instanceof Deferred || isThenable(result)) {
          const inner: Deferred<unknown> =
            result instanceof Deferred
              ? result
              : Deferred.fromPromise(result as PromiseLike<unknown>);
          if (
            inner.called &&
            inner.paused === 0 &&
            !inner._running &&
            inner._next >= inner._chain.length
          ) {
            // Already has its final result: take it over, leaving `undefined` behind as Twisted does.
            result = inner._result;
            inner._result = undefined;
            if (inner._tracked) {
              inner._tracked = false;
              untrackUnhandled(inner);
            }
          } else {
            // Wait for it. If it has fired but is paused or busy, whoever unpauses or runs it
            // reaches this entry and resumes us.
            this._result = inner;
            this.paused++;
            this._waitingOn = inner;
            inner._chain.push(CONTINUE, undefined, this, undefined);
            this._running = false;
            return null;
          }
        }
      }
      this._result = result;
      if (this.paused > 0) {
        // The callback paused its own Deferred: stop here until `unpause`.
        this._running = false;
        return null;
      }
    }
    this._running = false;
    // Drop the entries once they have run, so a long-lived Deferred does not hold every callback.
    if (this._next !== 0) {
      this._chain = [];
      this._next = 0;
    }
    const result = this._result;
    if (result instanceof Failure && !isObserved(result)) {
      this._tracked = true;
      trackUnhandled(this, result);
    }
    return null;
  }

  /** `Deferred { <state> }`, for logs and debugging. */
  toString(): string {
    let state: string;
    if (!this.called) state = "pending";
    else if (this._waitingOn !== null) state = `waiting on ${this._waitingOn.toString()}`;
    else if (this._result instanceof Failure) state = `failed: ${this._result.toString()}`;
    else state = "fired";
    return `Deferred { ${state} }`;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * A Deferred that has already fired with `value`.
 *
 * @example
 * ```ts
 * const cached = cache.has(key) ? succeed(cache.get(key)) : fetchValue(key);
 * ```
 */
export function succeed<V>(value: V): Deferred<V> {
  const d = new Deferred<V>();
  d.callback(value);
  return d;
}

/** A Deferred that has already failed with `error` (wrapped in a {@link Failure}). */
export function fail<V = never>(error: unknown): Deferred<V> {
  const d = new Deferred<V>();
  d.errback(error);
  return d;
}

/** What a function given to {@link maybeDeferred} may return, unwrapped. */
export type Unwrapped<R> = R extends PromiseLike<infer V> ? V : R;

/**
 * Calls `fn(...args)` and always returns a Deferred: of its return value, of the Deferred or
 * Promise it returned, or failed with what it threw (or the Failure it returned).
 *
 * @example
 * ```ts
 * maybeDeferred(() => handler.handle(request)).addErrback((f) => log.failure("handler failed", f));
 * ```
 */
export function maybeDeferred<A extends unknown[], R>(
  fn: (...args: A) => R,
  ...args: A
): Deferred<Next<Unwrapped<R>>> {
  let r: unknown;
  try {
    r = fn(...args);
  } catch (e) {
    return fail(e);
  }
  if (r instanceof Deferred) return r as Deferred<Next<Unwrapped<R>>>;
  if (r instanceof Failure) return fail(r);
  if (isThenable(r)) return Deferred.fromPromise(r) as Deferred<Next<Unwrapped<R>>>;
  return succeed(r as Next<Unwrapped<R>>);
}

/** Whether `v` is a {@link Deferred}. */
export function isDeferred(v: unknown): v is Deferred<unknown> {
  return v instanceof Deferred;
}
