/**
 * Policies, after Twisted's `twisted.protocols.policies`: behaviour added around any protocol
 * without changing it. A `WrappingFactory` wraps any factory and a `ProtocolWrapper` sits between
 * each connection's transport and its protocol; the policies are subclasses of the two:
 *
 * - `ThrottlingFactory`: read and write rate limits and a connection limit.
 * - `LimitTotalConnectionsFactory`, `LimitConnectionsByPeer`: connection limits.
 * - `TimeoutFactory` / `TimeoutProtocol`: disconnect idle connections; `withTimeout` and
 *   `IdleTimeout` give a protocol its own idle timeout (Twisted's `TimeoutMixin`).
 *
 * All time goes through an injected `IReactorTime`. Factories compose (a wrapping factory is just
 * another factory) and work with any endpoint.
 *
 * @example
 * ```ts
 * import { LimitConnectionsByPeer, ThrottlingFactory, TimeoutFactory } from "braid/protocols";
 *
 * const policed = new LimitConnectionsByPeer(
 *   new ThrottlingFactory(new TimeoutFactory(Factory.forProtocol(Echo), 300, reactor), {
 *     clock: reactor,
 *     readLimit: 1_000_000,
 *   }),
 *   { maxConnectionsPerPeer: 4 },
 * );
 * await serverFromString(reactor, "tcp:8000").listen(policed);
 * ```
 *
 * @module
 */
export {
  LimitConnectionsByPeer,
  type LimitConnectionsByPeerOptions,
  LimitTotalConnectionsFactory,
  type LimitTotalConnectionsOptions,
} from "./limits.js";
export { ThrottlingFactory, type ThrottlingOptions, ThrottlingProtocol } from "./throttling.js";
export {
  IdleTimeout,
  type ITimeoutProtocol,
  type MixinBase,
  type TimeoutBase,
  TimeoutFactory,
  TimeoutProtocol,
  withTimeout,
} from "./timeout.js";
export { ProtocolWrapper, WrappingFactory } from "./wrapper.js";
