/**
 * The heap of pending delayed calls behind both `Clock` and `ReactorTime` (internal).
 *
 * A binary min-heap ordered by (due time, sequence number). Each {@link DelayedCall} remembers
 * its index in the heap, so that cancelling or moving it is O(log n) and cancelled calls are
 * removed at once instead of lingering until their time comes.
 *
 * @internal
 * @module
 */

import { Failure } from "../errors/index.js";
import { Logger } from "../logger/index.js";
import { checkSeconds, DelayedCall, HELD, NOT_IN_HEAP } from "./delayedcall.js";

const log = new Logger("braid.time");

function before(a: DelayedCall, b: DelayedCall): boolean {
  return a._time < b._time || (a._time === b._time && a._seq < b._seq);
}

/**
 * Pending delayed calls in due order, with the pass logic that runs them.
 *
 * @internal
 */
export class Scheduler {
  private readonly _heap: DelayedCall[] = [];
  private _nextSeq = 0;

  /**
   * @param now - the current time, in seconds.
   * @param onEarliestChanged - called when the earliest pending call (or its time) may have
   *   changed, so that a real timer can be re-armed.
   */
  constructor(
    readonly now: () => number,
    private readonly onEarliestChanged: () => void = () => {},
  ) {}

  /** The number of pending calls in the heap (excluding calls held back during a pass). */
  get size(): number {
    return this._heap.length;
  }

  /** The due time of the earliest pending call, or `undefined` when there is none. */
  earliestTime(): number | undefined {
    return this._heap[0]?._time;
  }

  /** Schedules `f(...args)` in `seconds`; see `IReactorTime.callLater`. */
  callLater(
    seconds: number,
    f: (...args: never[]) => unknown,
    args: readonly unknown[],
  ): DelayedCall {
    checkSeconds(seconds, "callLater");
    if (typeof f !== "function") throw new TypeError("callLater: f must be a function");
    const call = new DelayedCall(this, this.now() + seconds, f, args);
    const first = this._heap[0];
    call._seq = this._nextSeq++;
    this._insert(call);
    this._notify(first, call);
    return call;
  }

  /** The pending calls in due order (a copy). */
  pending(): DelayedCall[] {
    return this._heap.slice().sort((a, b) => (before(a, b) ? -1 : 1));
  }

  /**
   * Runs, in (time, sequence) order, every pending call due at or before `now`.
   *
   * @param deferNew - when true, calls scheduled or moved while this pass runs are held back
   *   until the next pass even if they are due (the reactor's no-starvation rule); when false
   *   (`Clock.advance`) they run in this pass too.
   */
  runUntil(now: number, deferNew: boolean): void {
    const heap = this._heap;
    const limit = this._nextSeq;
    let held: DelayedCall[] | undefined;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (top._time > now) break;
      this._removeAt(0);
      if (deferNew && top._seq >= limit) {
        top._index = HELD;
        (held ??= []).push(top);
        continue;
      }
      try {
        top._run();
      } catch (e) {
        log.failure("Unhandled error in delayed call {call}", Failure.from(e), {
          call: top.toString(),
        });
      }
    }
    if (held !== undefined) {
      for (const call of held) {
        // A held call that was cancelled or moved meanwhile is no longer ours to put back.
        if (call._index === HELD) this._insert(call);
      }
    }
  }

  /** @internal Called by {@link DelayedCall.cancel}. */
  _remove(call: DelayedCall): void {
    const index = call._index;
    if (index === HELD) {
      call._index = NOT_IN_HEAP;
      return;
    }
    if (index < 0) return;
    const first = this._heap[0];
    this._removeAt(index);
    this._notify(first, call);
  }

  /** @internal Called by `delay` / `reset`: gives the call a new time and a new sequence. */
  _move(call: DelayedCall, time: number): void {
    const first = this._heap[0];
    if (call._index >= 0) this._removeAt(call._index);
    call._time = time;
    call._seq = this._nextSeq++;
    this._insert(call);
    this._notify(first, call);
  }

  private _notify(first: DelayedCall | undefined, call: DelayedCall): void {
    if (this._heap[0] !== first || first === call) this.onEarliestChanged();
  }

  private _insert(call: DelayedCall): void {
    const i = this._heap.length;
    this._heap.push(call);
    call._index = i;
    this._siftUp(i);
  }

  private _removeAt(index: number): void {
    const heap = this._heap;
    const removed = heap[index]!;
    const last = heap.pop()!;
    removed._index = NOT_IN_HEAP;
    if (index < heap.length) {
      heap[index] = last;
      last._index = index;
      this._siftDown(index);
      this._siftUp(last._index);
    }
  }

  private _siftUp(i: number): void {
    const heap = this._heap;
    const item = heap[i]!;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(item, parent)) break;
      heap[i] = parent;
      parent._index = i;
      i = parentIndex;
    }
    heap[i] = item;
    item._index = i;
  }

  private _siftDown(i: number): void {
    const heap = this._heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right]!, heap[left]!)) child = right;
      const c = heap[child]!;
      if (!before(c, item)) break;
      heap[i] = c;
      c._index = i;
      i = child;
    }
    heap[i] = item;
    item._index = i;
  }
}
