/**
 * `braid/defer`: Deferreds and the tools built on them.
 *
 * @module
 */
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
