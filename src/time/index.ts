/**
 * `braid/time`: scheduling calls in time (`IReactorTime`, `Clock`, `ReactorTime`), repeating
 * them (`LoopingCall`), delaying Deferreds (`deferLater`), and sharing the event loop between
 * long jobs (`Cooperator`, `cooperate`).
 *
 * @module
 */

export { Clock } from "./clock.js";
export {
  CooperativeTask,
  Cooperator,
  type CooperatorOptions,
  type CooperatorScheduler,
  coiterate,
  cooperate,
  cooperatorFor,
  type TerminationPredicateFactory,
  timeSlice,
} from "./cooperator.js";
export { deferLater } from "./deferlater.js";
export { DelayedCall } from "./delayedcall.js";
export type { IDelayedCall, IReactorTime } from "./interfaces.js";
export { LoopingCall } from "./loopingcall.js";
export { ReactorTime } from "./reactortime.js";
