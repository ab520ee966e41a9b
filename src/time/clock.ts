/**
 * `Clock`: a deterministic {@link IReactorTime} for tests, whose time only moves when told to.
 *
 * Code that takes an `IReactorTime` can be tested without waiting and without fake-timer
 * libraries: give it a Clock, then `advance` it past the delays the code uses.
 *
 * @module
 */

import type { DelayedCall } from "./delayedcall.js";
import { checkSeconds } from "./delayedcall.js";
import type { IReactorTime } from "./interfaces.js";
import { Scheduler } from "./scheduler.js";

/**
 * An {@link IReactorTime} whose time starts at 0 and only changes through {@link advance} and
 * {@link pump}. Delayed calls run synchronously inside `advance`.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const seen: string[] = [];
 * clock.callLater(2, () => seen.push("two"));
 * clock.callLater(1, () => seen.push("one"));
 * clock.advance(1.5); // seen: ["one"]
 * clock.advance(1);   // seen: ["one", "two"]; clock.seconds() === 2.5
 * ```
 */
export class Clock implements IReactorTime {
  /**
   * The current time, in seconds. Assigning it moves time without running any call; use
   * {@link advance} to run what becomes due.
   */
  rightNow = 0;

  private readonly _scheduler = new Scheduler(() => this.rightNow);

  /** {@inheritDoc IReactorTime.seconds} */
  seconds(): number {
    return this.rightNow;
  }

  /** {@inheritDoc IReactorTime.callLater} */
  callLater(seconds: number, f: () => void): DelayedCall;
  /** {@inheritDoc IReactorTime.callLater} */
  callLater<A extends unknown[]>(seconds: number, f: (...args: A) => void, ...args: A): DelayedCall;
  callLater(seconds: number, f: (...args: never[]) => void, ...args: unknown[]): DelayedCall {
    return this._scheduler.callLater(seconds, f, args);
  }

  /** {@inheritDoc IReactorTime.getDelayedCalls} */
  getDelayedCalls(): DelayedCall[] {
    return this._scheduler.pending();
  }

  /**
   * Moves time forward by `seconds` and runs every call due at or before the new time, in
   * (time, scheduling) order. Calls scheduled by those calls for a time that is already due run
   * within the same `advance`. An exception from a call is logged and the others still run.
   *
   * @throws RangeError when `seconds` is negative or NaN.
   */
  advance(seconds: number): void {
    checkSeconds(seconds, "Clock.advance");
    this.rightNow += seconds;
    this._scheduler.runUntil(this.rightNow, false);
  }

  /**
   * Advances by each of `timings` in turn: `pump([1, 1, 1])` is three `advance(1)` calls.
   *
   * @throws RangeError when a timing is negative or NaN (the earlier ones have been applied).
   */
  pump(timings: Iterable<number>): void {
    for (const t of timings) this.advance(t);
  }
}
