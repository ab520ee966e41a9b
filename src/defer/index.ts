/**
 * `braid/defer`: Deferreds and the tools built on them.
 *
 * @module
 */
export { type DeferredGenerator, ensureDeferred, inlineCallbacks, waitFor } from "./coroutine.js";
export {
  type Canceller,
  type Chainable,
  Deferred,
  fail,
  isDeferred,
  maybeDeferred,
  succeed,
  type Unwrapped,
} from "./deferred.js";
export type { ITimeoutScheduler } from "./interfaces.js";
export {
  DeferredList,
  type DeferredListEntry,
  type DeferredListFired,
  type DeferredListOptions,
  type DeferredListResult,
  type GatheredResults,
  gatherResults,
} from "./list.js";
export { DeferredLock, DeferredSemaphore } from "./lock.js";
export { DeferredQueue, type DeferredQueueOptions } from "./queue.js";
