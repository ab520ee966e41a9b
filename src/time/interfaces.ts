/**
 * The contracts of the time area: {@link IReactorTime}, which schedules calls, and
 * {@link IDelayedCall}, the handle of one scheduled call.
 *
 * Every delay in Braid goes through `IReactorTime.callLater`, never through a global timer, so
 * that tests can drive time with the deterministic `Clock` instead of waiting for it.
 *
 * @module
 */

/**
 * A call scheduled by {@link IReactorTime.callLater}, which can still be moved or cancelled
 * while it is pending.
 *
 * A delayed call is *pending* until it either runs (then it is *called*) or is cancelled (then it
 * is *cancelled*); both are final. Only a pending call can be cancelled, delayed or reset.
 */
export interface IDelayedCall {
  /** The absolute time, in the clock's seconds, at which the call is due to run. */
  getTime(): number;

  /**
   * Cancels the call: it will not run and it leaves the clock's list of pending calls at once.
   *
   * @throws {@link AlreadyCalled} when the call has already run.
   * @throws {@link AlreadyCancelled} when the call was already cancelled.
   */
  cancel(): void;

  /**
   * Moves the call `seconds` later than the time it is currently due (earlier when negative).
   *
   * @throws RangeError when `seconds` is NaN.
   * @throws {@link AlreadyCalled} when the call has already run.
   * @throws {@link AlreadyCancelled} when the call was already cancelled.
   */
  delay(seconds: number): void;

  /**
   * Moves the call to `secondsFromNow` after the clock's current time.
   *
   * @throws RangeError when `secondsFromNow` is negative or NaN.
   * @throws {@link AlreadyCalled} when the call has already run.
   * @throws {@link AlreadyCancelled} when the call was already cancelled.
   */
  reset(secondsFromNow: number): void;

  /** Whether the call is still pending: it has neither run nor been cancelled. */
  active(): boolean;
}

/**
 * A source of time that can schedule calls: the reactor, or a `Clock` in tests.
 *
 * Ordering rules, which every implementation keeps:
 *
 * - Calls run in order of their due time; calls due at the same time run in the order they were
 *   scheduled. A call moved with `delay` or `reset` counts as scheduled at the moment it was moved.
 * - A call scheduled (or moved) by a call that is running now, for a time that is already due,
 *   does not run in the current pass over due calls but in the next one, so a call that keeps
 *   rescheduling itself with `callLater(0, …)` cannot starve I/O. (`Clock.advance` runs such calls
 *   within the same `advance`, since it makes passes until nothing is due.)
 * - An exception thrown by a call is logged (namespace `"braid.time"`) and does not stop the
 *   other due calls.
 * - A call is never run before its due time.
 */
export interface IReactorTime {
  /** The current time, in seconds. For the reactor it is wall-clock based and never goes back. */
  seconds(): number;

  /**
   * Schedules `f(...args)` to run `seconds` from now. (This first overload takes any function
   * callable without arguments, such as a Promise's `resolve`.)
   *
   * @param seconds - how long to wait, in seconds; `0` means "as soon as possible, after the
   *   current pass". `Infinity` is allowed: the call never runs unless moved.
   * @returns a handle to cancel or move the call.
   * @throws RangeError when `seconds` is negative or NaN.
   */
  callLater(seconds: number, f: () => void): IDelayedCall;
  /**
   * Schedules `f(...args)`; the arguments are checked against `f`'s parameters.
   *
   * @throws RangeError when `seconds` is negative or NaN.
   */
  callLater<A extends unknown[]>(
    seconds: number,
    f: (...args: A) => void,
    ...args: A
  ): IDelayedCall;

  /** The pending calls (neither run nor cancelled), in the order they are due to run. */
  getDelayedCalls(): IDelayedCall[];
}
