/**
 * The contracts of endpoints: a place to listen on, or a place to connect to, described once and
 * used without knowing what kind of transport is behind it.
 *
 * Code that takes an `IStreamServerEndpoint` listens on TCP, TLS or a UNIX socket alike, and the
 * endpoint can come from a configuration string (`serverFromString(reactor, "tcp:8080")`). The
 * same holds for clients with `IStreamClientEndpoint`.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type { IProtocol, IProtocolFactory } from "../protocol/interfaces.js";
import type { IListeningPort } from "../reactor/interfaces.js";

/**
 * Somewhere a stream server can listen.
 *
 * @example
 * ```ts
 * const endpoint: IStreamServerEndpoint = new TCP4ServerEndpoint(reactor, 8080);
 * const port = await endpoint.listen(Factory.forProtocol(Echo));
 * ```
 */
export interface IStreamServerEndpoint {
  /**
   * Starts listening with `factory`.
   *
   * Never throws: every problem (address in use, bad interface, missing permission) is reported
   * through the Deferred, usually as `CannotListenError`.
   *
   * @returns a Deferred of the listening port, whose `getHost()` tells the address bound.
   */
  listen(factory: IProtocolFactory): Deferred<IListeningPort>;
}

/**
 * Somewhere a stream client can connect to.
 *
 * Ordering rules, which every implementation keeps:
 *
 * - The Deferred fires with the protocol built by `factory` after that protocol's
 *   `connectionMade` has run, so the caller can use it at once.
 * - It fails with the reason of the failure: a `ConnectError` subclass (refused, timed out,
 *   `DNSLookupError`), `NoProtocolError` when `factory.buildProtocol` returned `null`, or the error
 *   thrown by `buildProtocol` or by the protocol's `connectionMade` (the connection is then
 *   dropped).
 * - Cancelling it (`d.cancel()`) before it fired stops the attempt and fails it with
 *   `ConnectingCancelledError` (a `CancelledError`); no protocol is built afterwards.
 * - It never throws: synchronous problems are reported through the Deferred too.
 *
 * @example
 * ```ts
 * const endpoint: IStreamClientEndpoint = new TCP4ClientEndpoint(reactor, "127.0.0.1", 8080);
 * const proto = await endpoint.connect(Factory.forProtocol(EchoClient));
 * ```
 */
export interface IStreamClientEndpoint {
  /** Connects, building the protocol with `factory`. See the interface for the rules. */
  connect(factory: IProtocolFactory): Deferred<IProtocol>;
}
