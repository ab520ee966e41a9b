/**
 * TLS over TCP for the reactor: `listenSSL` and `connectSSL`, on the {@link StreamPort} and
 * {@link StreamConnector} of the TCP module with a `tls.TLSSocket` wrapped around each socket.
 *
 * Timing, as Twisted's TLS transports: the protocol's `connectionMade` runs as soon as the TCP
 * connection is up, before the handshake; what it writes is held and sent, encrypted, once the
 * handshake completes. A failed handshake or certificate check therefore ends an established
 * connection: the protocol's `connectionLost` and the client factory's `clientConnectionLost`
 * get a `TLSError` whose `cause` is Node's error (`clientConnectionFailed` is only for failures
 * before the TCP connection, such as a refused connection).
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type { IClientFactory, IConnector, IProtocolFactory } from "../protocol/interfaces.js";
import { clientTLSOptions, serverTLSConfig } from "../transports/tls.js";
import type {
  BindAddress,
  IListeningPort,
  TLSClientOptions,
  TLSServerOptions,
} from "./interfaces.js";
import type { IReactorInternals } from "./internals.js";
import {
  DEFAULT_BACKLOG,
  DEFAULT_CONNECT_TIMEOUT,
  failedListen,
  StreamConnector,
  StreamPort,
} from "./tcp.js";

/**
 * Listens for TLS connections; see `IReactorSSL.listenSSL`. The key and certificates are parsed
 * once, here: unusable ones fail the Deferred with `CannotListenError` (cause: Node's error).
 */
export function listenSSL(
  reactor: IReactorInternals,
  port: number,
  factory: IProtocolFactory,
  options: TLSServerOptions,
  backlog: number = DEFAULT_BACKLOG,
  iface = "",
): Deferred<IListeningPort> {
  let tls: ReturnType<typeof serverTLSConfig>;
  try {
    tls = serverTLSConfig(options);
  } catch (e) {
    return failedListen(iface, port, e);
  }
  const p = new StreamPort(reactor, factory, { tls });
  return p.listen({ port, host: iface === "" ? "0.0.0.0" : iface, backlog }, iface, port);
}

/**
 * Connects to `host:port` with TLS; see `IReactorSSL.connectSSL`. The server's certificate is
 * checked against the system's CAs (or `options.trustRoot`) and against `options.hostname`, or
 * `host` when not given.
 */
export function connectSSL(
  reactor: IReactorInternals,
  host: string,
  port: number,
  factory: IClientFactory,
  options: TLSClientOptions = {},
  timeout: number = DEFAULT_CONNECT_TIMEOUT,
  bindAddress?: BindAddress,
): IConnector {
  const tls = clientTLSOptions(options, host);
  const c = new StreamConnector(reactor, factory, { host, port, bindAddress, tls }, timeout);
  c.connect();
  return c;
}
