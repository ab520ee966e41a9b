/**
 * `DelayedCall`: the handle `callLater` returns, shared by the reactor's time and `Clock`.
 *
 * A DelayedCall lives in its scheduler's heap while it is pending and remembers its position
 * there, so cancelling or moving it costs O(log n) and leaves nothing behind.
 *
 * @module
 */

import { AlreadyCalled, AlreadyCancelled } from "../errors/index.js";
import type { IDelayedCall } from "./interfaces.js";
import type { Scheduler } from "./scheduler.js";

/** @internal `_index` of a call that is in no heap (it ran, was cancelled, or not yet added). */
export const NOT_IN_HEAP = -1;

/** @internal `_index` of a due call held back until the end of the current pass. */
export const HELD = -2;

/**
 * Throws a RangeError unless `seconds` is a usable delay: not NaN and, unless `allowNegative`,
 * not negative.
 *
 * @internal
 */
export function checkSeconds(seconds: number, what: string, allowNegative = false): void {
  if (typeof seconds !== "number" || Number.isNaN(seconds)) {
    throw new RangeError(`${what}: seconds must be a number, got ${String(seconds)}`);
  }
  if (!allowNegative && seconds < 0) {
    throw new RangeError(`${what}: seconds must not be negative, got ${seconds}`);
  }
}

/**
 * A call scheduled to run at a given time, as returned by `callLater`. See {@link IDelayedCall}
 * for the contract.
 *
 * @example
 * ```ts
 * const call = clock.callLater(5, () => console.log("five seconds later"));
 * call.delay(1);   // now due in 6 seconds
 * call.cancel();   // never runs; call.cancelled === true
 * ```
 */
export class DelayedCall implements IDelayedCall {
  /** The function that will be called. */
  readonly func: (...args: never[]) => unknown;
  /** The arguments it will be called with. */
  readonly args: readonly unknown[];

  /** @internal due time, in the scheduler's seconds. */
  _time: number;
  /** @internal scheduling order, to break ties between calls due at the same time. */
  _seq = 0;
  /** @internal position in the scheduler's heap, or {@link NOT_IN_HEAP} / {@link HELD}. */
  _index = NOT_IN_HEAP;

  private readonly _owner: Scheduler;
  private _called = false;
  private _cancelled = false;

  /**
   * Made by a scheduler's `callLater`; not meant to be constructed directly.
   *
   * @internal
   */
  constructor(
    owner: Scheduler,
    time: number,
    func: (...args: never[]) => unknown,
    args: readonly unknown[],
  ) {
    this._owner = owner;
    this._time = time;
    this.func = func;
    this.args = args;
  }

  /** Whether the call has run (or is running now). */
  get called(): boolean {
    return this._called;
  }

  /** Whether the call was cancelled. */
  get cancelled(): boolean {
    return this._cancelled;
  }

  /** {@inheritDoc IDelayedCall.getTime} */
  getTime(): number {
    return this._time;
  }

  /** {@inheritDoc IDelayedCall.active} */
  active(): boolean {
    return !this._called && !this._cancelled;
  }

  /** {@inheritDoc IDelayedCall.cancel} */
  cancel(): void {
    this._checkPending();
    this._cancelled = true;
    this._owner._remove(this);
  }

  /** {@inheritDoc IDelayedCall.delay} */
  delay(seconds: number): void {
    checkSeconds(seconds, "DelayedCall.delay", true);
    this._checkPending();
    this._owner._move(this, this._time + seconds);
  }

  /** {@inheritDoc IDelayedCall.reset} */
  reset(secondsFromNow: number): void {
    checkSeconds(secondsFromNow, "DelayedCall.reset");
    this._checkPending();
    this._owner._move(this, this._owner.now() + secondsFromNow);
  }

  /**
   * Marks the call as run and calls its function. Exceptions propagate to the scheduler.
   *
   * @internal
   */
  _run(): void {
    this._called = true;
    (this.func as (...args: unknown[]) => unknown)(...this.args);
  }

  /** `DelayedCall<due 12.000s, pending: tick(1, 2)>`, for logs and debugging. */
  toString(): string {
    const state = this._called ? "called" : this._cancelled ? "cancelled" : "pending";
    const name = this.func.name || "<anonymous>";
    const args = this.args.map(describeArg).join(", ");
    return `DelayedCall<due ${this._time.toFixed(3)}s, ${state}: ${name}(${args})>`;
  }

  private _checkPending(): void {
    if (this._called) throw new AlreadyCalled(`${this.toString()} has already been called`);
    if (this._cancelled) throw new AlreadyCancelled(`${this.toString()} was already cancelled`);
  }
}

function describeArg(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
  if (v !== null && typeof v === "object") return `[${v.constructor?.name ?? "object"}]`;
  return String(v);
}
