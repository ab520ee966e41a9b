/**
 * `deferLater`: a Deferred that fires after a delay, optionally with a function's result.
 *
 * @module
 */

import { Deferred, type Unwrapped } from "../defer/index.js";
import type { IReactorTime } from "./interfaces.js";

/**
 * Returns a Deferred that fires `seconds` from now on `clock`: with `undefined`, or, when `f` is
 * given, with the result of `f(...args)` (waiting for it when it returns a Deferred or Promise;
 * failing when it throws).
 *
 * Cancelling the Deferred before the time comes cancels the delayed call: `f` never runs and the
 * Deferred fails with `CancelledError`.
 *
 * @throws RangeError when `seconds` is negative or NaN.
 *
 * @example
 * ```ts
 * const d = deferLater(clock, 2, (x: number) => x * 2, 21);
 * d.addCallback((v) => console.log(v)); // 42, two seconds later
 * ```
 */
export function deferLater(clock: IReactorTime, seconds: number): Deferred<undefined>;
export function deferLater<A extends unknown[], R>(
  clock: IReactorTime,
  seconds: number,
  f: (...args: A) => R,
  ...args: A
): Deferred<Unwrapped<R>>;
export function deferLater<A extends unknown[], R>(
  clock: IReactorTime,
  seconds: number,
  f?: (...args: A) => R,
  ...args: A
): Deferred<unknown> {
  const d = new Deferred<undefined>(() => {
    if (call.active()) call.cancel();
  });
  const call = clock.callLater(seconds, () => d.callback(undefined));
  if (f === undefined) return d;
  return d.addCallback(() => f(...args) as unknown);
}
