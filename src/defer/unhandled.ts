/**
 * Reports failures nobody handled: Twisted's "Unhandled error in Deferred".
 *
 * A Deferred whose chain ends in a failure is registered here; if it is garbage-collected in that
 * state, the failure is logged with its stack. Adding a callback (or awaiting) takes it off the
 * list again. The process never crashes because of it, and the error is never lost silently.
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";

const log = new Logger("braid.defer");

const registry = new FinalizationRegistry<Failure>((failure) => {
  log.failure("Unhandled error in Deferred:", failure, {}, "critical");
});

/** @internal Starts watching `d`, whose chain has just ended with `failure`. */
export function trackUnhandled(d: object, failure: Failure): void {
  registry.register(d, failure, d);
}

/** @internal Stops watching `d`: its chain is running again, or its result was taken over. */
export function untrackUnhandled(d: object): void {
  registry.unregister(d);
}
