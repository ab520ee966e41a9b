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

const flushQueue: Flushable[] = [];
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
  for (let i = 0; i < flushQueue.length; i++) {
    try {
      (flushQueue[i] as Flushable)._flushQueued();
    } catch (e) {
      log.failure("Flushing a transport failed", e);
    }
  }
  flushQueue.length = 0;
  flushScheduled = false;
}
