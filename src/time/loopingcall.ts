/**
 * `LoopingCall`: calls a function every `interval` seconds on an {@link IReactorTime}.
 *
 * Calls are aligned to a grid (start time + k × interval): a slow call or a jump of the clock
 * skips the missed slots instead of running them all in a burst. `LoopingCall.withCount` tells
 * the function how many slots passed.
 *
 * @module
 */

import { Deferred, maybeDeferred } from "../defer/index.js";
import { InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { checkSeconds } from "./delayedcall.js";
import type { IDelayedCall, IReactorTime } from "./interfaces.js";

/** Float slack when deciding which grid slot a time falls in. */
const EPSILON = 1e-9;

/**
 * Calls `f(...args)` repeatedly, every `interval` seconds, until stopped or until it fails.
 *
 * Set {@link clock} before {@link start}: there is no global reactor to default to (in an
 * application, use the reactor; in tests, a `Clock`).
 *
 * - If `f` returns a Deferred (or Promise), the next call is scheduled only after it fires.
 * - If `f` throws or its Deferred fails, the loop stops and the Deferred `start` returned fails
 *   with that failure.
 * - Calls stay on the grid `startTime + k * interval`; slots missed because `f` was slow or the
 *   clock jumped are skipped, not caught up.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const lc = new LoopingCall(() => console.log("tick"));
 * lc.clock = clock;
 * const done = lc.start(1);        // "tick" now, then every second
 * clock.advance(3);                // three more ticks
 * lc.stop();                       // done fires with lc
 * ```
 */
export class LoopingCall<A extends unknown[] = []> {
  /** The time source; must be set before {@link start}. */
  clock: IReactorTime | undefined;
  /** The function called on each iteration. */
  readonly f: (...args: A) => unknown;
  /** The arguments it is called with. */
  readonly args: A;
  /** The interval given to the last {@link start}, or `undefined` before the first. */
  interval: number | undefined;
  /** The pending delayed call for the next iteration, when one is scheduled. */
  call: IDelayedCall | null = null;

  private _running = false;
  private _deferred: Deferred<this> | undefined;
  private _startTime = 0;
  private _runAtStart = false;
  /** For {@link withCount}: when the function was last really called. */
  private _lastCountTime: number | undefined;

  /** Makes a stopped LoopingCall for `f(...args)`; see {@link start}. */
  constructor(f: (...args: A) => unknown, ...args: A) {
    if (typeof f !== "function") throw new TypeError("LoopingCall: f must be a function");
    this.f = f;
    this.args = args;
  }

  /**
   * A LoopingCall whose function receives how many intervals have passed since it was last
   * called: normally 1, more when slots were skipped because the clock jumped or a call was
   * slow. With interval 0 the count is always 1.
   *
   * @example
   * ```ts
   * const lc = LoopingCall.withCount((n) => { frames += n; });
   * lc.clock = clock;
   * lc.start(1 / 60, false);
   * ```
   */
  static withCount(countCallable: (count: number) => unknown): LoopingCall<[]> {
    const lc: LoopingCall<[]> = new LoopingCall(() => lc._countedCall(countCallable));
    return lc;
  }

  /** Whether the loop is running: started and neither stopped nor failed. */
  get running(): boolean {
    return this._running;
  }

  /** The Deferred the current {@link start} returned, while it has not fired. */
  get deferred(): Deferred<this> | undefined {
    return this._deferred;
  }

  /**
   * Starts the loop.
   *
   * @param interval - seconds between calls; 0 calls `f` once per pass of the clock.
   * @param now - call `f` right away (the default), or first after one interval.
   * @returns a Deferred that fires with this LoopingCall once {@link stop} is called (after the
   *   call in progress, if `f` returned a Deferred), or fails with `f`'s failure.
   * @throws RangeError when `interval` is negative or NaN.
   * @throws Error when already running, or when {@link clock} is not set.
   */
  start(interval: number, now = true): Deferred<this> {
    if (this._running)
      throw new InvalidStateError("LoopingCall.start: the loop is already running");
    checkSeconds(interval, "LoopingCall.start");
    const clock = this._clock("start");
    const d = new Deferred<this>();
    this._deferred = d;
    this._running = true;
    this.interval = interval;
    this._startTime = clock.seconds();
    this._runAtStart = now;
    this._lastCountTime = undefined;
    if (now) {
      this._call();
    } else {
      this._scheduleFrom(this._startTime);
    }
    return d;
  }

  /**
   * Stops the loop. The Deferred `start` returned fires with this LoopingCall now, or, when `f`
   * returned a Deferred that has not fired yet, as soon as that one fires.
   *
   * @throws Error when the loop is not running.
   */
  stop(): void {
    if (!this._running) throw new InvalidStateError("LoopingCall.stop: the loop is not running");
    this._running = false;
    if (this.call !== null) {
      this.call.cancel();
      this.call = null;
      const d = this._deferred!;
      this._deferred = undefined;
      d.callback(this);
    }
  }

  /**
   * Restarts the interval grid from now: the next call is one interval from now (the pending
   * one is dropped). Does nothing to a call of `f` that is in progress.
   *
   * @throws Error when the loop is not running.
   */
  reset(): void {
    if (!this._running) throw new InvalidStateError("LoopingCall.reset: the loop is not running");
    const clock = this._clock("reset");
    this._startTime = clock.seconds();
    if (this.call !== null) {
      this.call.cancel();
      this.call = null;
      this._scheduleFrom(this._startTime);
    }
  }

  /** `LoopingCall<every 1s: tick, running>`, for logs. */
  toString(): string {
    const state = this._running ? "running" : "stopped";
    return `LoopingCall<every ${this.interval ?? "?"}s: ${this.f.name || "<anonymous>"}, ${state}>`;
  }

  private _clock(what: string): IReactorTime {
    if (this.clock === undefined) {
      throw new InvalidStateError(
        `LoopingCall.${what}: no clock; set lc.clock to the reactor (or a Clock in tests) first`,
      );
    }
    return this.clock;
  }

  /** One iteration: calls `f`, then schedules the next one when it is done. */
  private readonly _call = (): void => {
    this.call = null;
    const d = this._deferred!;
    maybeDeferred(this.f, ...this.args).addCallbacks(
      () => {
        if (this._running && this._deferred === d) {
          this._scheduleFrom(this._clock("start").seconds());
        } else if (!d.called) {
          // Stopped while `f`'s Deferred was pending: this run is over.
          if (this._deferred === d) this._deferred = undefined;
          d.callback(this);
        }
      },
      (failure: Failure) => {
        if (this._deferred === d) {
          this._running = false;
          this._deferred = undefined;
        }
        if (!d.called) d.errback(failure);
      },
    );
  };

  /** Schedules the next iteration at the first grid slot after `when`. */
  private _scheduleFrom(when: number): void {
    const clock = this._clock("start");
    const interval = this.interval!;
    let delay = 0;
    if (interval > 0) {
      const k = Math.floor(snap((when - this._startTime) / interval)) + 1;
      // Aim a hair (a billionth of the interval) before the grid point, so that a time reached
      // by adding up float steps (ten `advance(0.1)` give 0.9999999999999999) still counts as
      // having reached it; `snap` puts the call in its slot all the same.
      delay = Math.max(this._startTime + (k - EPSILON) * interval - when, 0);
    }
    this.call = clock.callLater(delay, this._call);
  }

  private _countedCall(countCallable: (count: number) => unknown): unknown {
    const now = this._clock("start").seconds();
    const interval = this.interval!;
    if (interval === 0) {
      this._lastCountTime = now;
      return countCallable(1);
    }
    let last = this._lastCountTime;
    if (last === undefined) {
      last = this._runAtStart ? this._startTime - interval : this._startTime;
    }
    const count = this._slotOf(now) - this._slotOf(last);
    if (count > 0) {
      this._lastCountTime = now;
      return countCallable(count);
    }
    return undefined;
  }

  private _slotOf(t: number): number {
    return Math.trunc(snap((t - this._startTime) / this.interval!));
  }
}

/** `x`, or the integer it is within float noise of (so that 2.9999999999 counts as slot 3). */
function snap(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < EPSILON ? r : x;
}
