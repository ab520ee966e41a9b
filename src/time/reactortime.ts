/**
 * `ReactorTime`: the real {@link IReactorTime}, on Node's timers, that the reactor uses.
 *
 * All pending calls share one heap and ONE Node timer, armed for the earliest due call and
 * re-armed when that changes, so thousands of pending calls cost O(log n) each instead of one
 * Node timer each.
 *
 * @module
 */

import type { DelayedCall } from "./delayedcall.js";
import type { IReactorTime } from "./interfaces.js";
import { Scheduler } from "./scheduler.js";

/** Node's setTimeout treats longer delays as 1 ms; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Wall-clock seconds that never go back: `performance.timeOrigin + performance.now()`.
 *
 * @internal
 */
export function monotonicSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/**
 * The reactor's time source: {@link IReactorTime} on one Node timer.
 *
 * `seconds()` is wall-clock based (milliseconds since the epoch, divided by 1000) but monotonic:
 * it follows `performance.now()`, so changing the system clock does not move it. While calls are
 * pending they keep the process alive, like `setTimeout`, unless {@link unref} was called.
 *
 * Each time the timer fires, every call due at that moment runs in one pass (in due order);
 * calls they schedule for a time already due wait for the next pass, which is a new macrotask,
 * so I/O callbacks get their turn in between.
 *
 * @example
 * ```ts
 * const time = new ReactorTime();
 * time.callLater(0.1, () => console.log("100 ms later"));
 * ```
 */
export class ReactorTime implements IReactorTime {
  private readonly _scheduler: Scheduler;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  /** The due time the armed timer was set for. */
  private _armedFor = Number.POSITIVE_INFINITY;
  private _ref = true;
  private _running = false;

  constructor() {
    this._scheduler = new Scheduler(monotonicSeconds, () => this._earliestChanged());
  }

  /** {@inheritDoc IReactorTime.seconds} */
  seconds(): number {
    return monotonicSeconds();
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

  /** Makes pending calls keep the process alive (the default). */
  ref(): this {
    this._ref = true;
    this._timer?.ref();
    return this;
  }

  /** Lets the process exit even while calls are pending; they run if it is still alive then. */
  unref(): this {
    this._ref = false;
    this._timer?.unref();
    return this;
  }

  /** Whether pending calls keep the process alive. */
  hasRef(): boolean {
    return this._ref;
  }

  /**
   * The number of Node timers this instance has armed: 0 or 1.
   *
   * @internal for tests.
   */
  get _armedTimers(): number {
    return this._timer === undefined ? 0 : 1;
  }

  /**
   * Runs every call that is due now, in one pass, as the timer does. The reactor may call this
   * from its own loop; it is harmless when nothing is due.
   */
  runUntilCurrent(): void {
    if (this._running) return;
    this._running = true;
    try {
      this._scheduler.runUntil(monotonicSeconds(), true);
    } finally {
      this._running = false;
      this._arm();
    }
  }

  private _earliestChanged(): void {
    // While a pass runs, the timer is re-armed once at its end.
    if (this._running) return;
    const earliest = this._scheduler.earliestTime();
    if (earliest === undefined) {
      this._disarm();
    } else if (earliest < this._armedFor) {
      this._arm();
    }
    // A later earliest keeps the armed timer: it fires early, finds nothing due, and re-arms.
  }

  private _disarm(): void {
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
    this._armedFor = Number.POSITIVE_INFINITY;
  }

  private _arm(): void {
    this._disarm();
    const earliest = this._scheduler.earliestTime();
    if (earliest === undefined) return;
    // Round up: Node timers have 1 ms granularity, and firing early only costs a re-arm.
    const ms = Math.min(
      Math.max(Math.ceil((earliest - monotonicSeconds()) * 1000), 0),
      MAX_TIMEOUT_MS,
    );
    this._armedFor = earliest;
    this._timer = setTimeout(this._fire, ms);
    if (!this._ref) this._timer.unref();
  }

  private readonly _fire = (): void => {
    this._timer = undefined;
    this._armedFor = Number.POSITIVE_INFINITY;
    this.runUntilCurrent();
  };
}
