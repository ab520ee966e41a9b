/**
 * `DeferredQueue`: a first-in first-out queue whose `get()` returns a Deferred.
 *
 * Producers `put` values; consumers `get` Deferreds that fire with them. A value put while
 * consumers wait goes straight to the one that has waited longest; otherwise it is stored until
 * someone asks. Both sides can be bounded, so that a fast producer or an eager consumer gets an
 * error instead of growing memory without limit.
 *
 * @module
 */

import { QueueOverflow, QueueUnderflow } from "../errors/errors.js";
import { Deferred, succeed } from "./deferred.js";

/**
 * @internal A first-in first-out list with O(1) `push` and `shift` however long it grows (an
 * array's `shift` copies the rest of it), and O(n) removal from the middle for cancellation.
 */
export class Fifo<T> {
  private _items: (T | undefined)[] = [];
  private _head = 0;

  /** How many items are queued. */
  get length(): number {
    return this._items.length - this._head;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    this._items.push(item);
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this._head >= this._items.length) return undefined;
    const item = this._items[this._head];
    this._items[this._head] = undefined;
    this._head++;
    if (this._head === this._items.length) {
      this._items.length = 0;
      this._head = 0;
    } else if (this._head >= 1024 && this._head * 2 >= this._items.length) {
      this._items = this._items.slice(this._head);
      this._head = 0;
    }
    return item;
  }

  /** Removes the first occurrence of `item`; returns whether it was there. */
  remove(item: T): boolean {
    const i = this._items.indexOf(item, this._head);
    if (i < 0) return false;
    this._items.splice(i, 1);
    return true;
  }

  /** The items, front first, as a new array. */
  toArray(): T[] {
    return this._items.slice(this._head) as T[];
  }
}

/** Bounds of a {@link DeferredQueue}. */
export interface DeferredQueueOptions {
  /** The most values stored while nobody waits for them; `put` beyond it throws. Unlimited by default. */
  size?: number;
  /** The most `get()` calls waiting for a value; `get` beyond it throws. Unlimited by default. */
  backlog?: number;
}

function checkBound(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!(value >= 0) || (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY)) {
    throw new RangeError(`DeferredQueue ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * A queue of values handed out through Deferreds, first in first out on both sides.
 *
 * @typeParam T - the values it carries.
 *
 * @example
 * ```ts
 * const jobs = new DeferredQueue<Job>({ backlog: 1 });
 *
 * function worker(): void {
 *   jobs.get().addCallback((job) => process(job)).addBoth(() => worker());
 * }
 * worker();
 *
 * jobs.put(job1); // the waiting worker gets it at once
 * jobs.put(job2); // stored until the worker asks again
 * ```
 */
export class DeferredQueue<T> {
  /** The most values stored at once (`Infinity` when unlimited). */
  readonly size: number;
  /** The most `get()` calls waiting at once (`Infinity` when unlimited). */
  readonly backlog: number;

  private readonly _pending = new Fifo<T>();
  private readonly _waiting = new Fifo<Deferred<T>>();
  private readonly _cancelGet = (d: Deferred<T>): void => {
    this._waiting.remove(d);
  };

  /**
   * @throws RangeError when `size` or `backlog` is negative, not an integer, or NaN.
   */
  constructor(options: DeferredQueueOptions = {}) {
    this.size = checkBound("size", options.size);
    this.backlog = checkBound("backlog", options.backlog);
  }

  /** The values stored because nobody was waiting for them, oldest first (a copy). */
  get pending(): T[] {
    return this._pending.toArray();
  }

  /** How many `get()` Deferreds are waiting for a value. */
  get waiting(): number {
    return this._waiting.length;
  }

  /**
   * Hands `value` to the oldest waiting `get()` (firing its Deferred, and so running its chain,
   * before `put` returns), or stores it when nobody waits.
   *
   * @throws {@link QueueOverflow} when nobody waits and `size` values are already stored.
   */
  put(value: T): void {
    const waiter = this._waiting.shift();
    if (waiter !== undefined) {
      waiter.callback(value);
    } else if (this._pending.length < this.size) {
      this._pending.push(value);
    } else {
      throw new QueueOverflow(`DeferredQueue is full (size ${this.size})`);
    }
  }

  /**
   * A Deferred for the next value: already fired when a value is stored, otherwise fired by a
   * later {@link put}. Cancelling a waiting one takes it out of the line (it fails with
   * `CancelledError`) and the next value goes to the one behind it.
   *
   * @throws {@link QueueUnderflow} when no value is stored and `backlog` gets are already waiting.
   */
  get(): Deferred<T> {
    if (this._pending.length > 0) return succeed(this._pending.shift() as T);
    if (this._waiting.length >= this.backlog) {
      throw new QueueUnderflow(`DeferredQueue has too many waiting gets (backlog ${this.backlog})`);
    }
    const d = new Deferred<T>(this._cancelGet);
    this._waiting.push(d);
    return d;
  }
}
