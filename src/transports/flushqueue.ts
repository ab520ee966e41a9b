/**
 * The flush queue: transports that wrote during this turn of the event loop are queued here and
 * flushed together by ONE `process.nextTick` callback, so writes are coalesced without a timer
 * or a bound function per transport.
 *
 * @module
 * @internal
 */

import { Logger } from "../logger/logger.js";

const log = new Logger("braid.tcp");

/** Something with writes to hand to its socket. */
export interface Flushable {
  /** Clears its queued mark and flushes. */
  _flushQueued(): void;
}

// --- The flush queue: one nextTick per turn for every transport that wrote -------------------

let flushQueue: Flushable[] = [];
let flushScheduled = false;

/** Queues `t` to be flushed once, at the end of this turn (one nextTick for all transports). */
export function queueFlush(t: Flushable): void {
  flushQueue.push(t);
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(runFlushQueue);
  }
}

function runFlushQueue(): void {
  // A flush may queue more (a pull producer writing from its drain): they run in this same pass.
  const queue = flushQueue;
  for (let i = 0; i < queue.length; i++) {
    try {
      (queue[i] as Flushable)._flushQueued();
    } catch (e) {
      log.failure("Flushing a transport failed", e);
    }
  }
  // A fresh array rather than `length = 0`, which shrinks through a slow runtime path.
  flushQueue = [];
  flushScheduled = false;
}
