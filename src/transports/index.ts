/**
 * The transports area: {@link StreamTransport}, the transport over a connected stream socket
 * (TCP, UNIX-domain or TLS) that the reactor's ports and connectors create, and the TLS helpers
 * it uses. Applications rarely make transports themselves: they get them from the reactor, and
 * protocols see them as `ITransport` / `ITCPTransport` / `ITLSTransport`.
 *
 * @module
 */
export {
  LINGER_SECONDS,
  StreamTransport,
  type StreamTransportKind,
  type StreamTransportOwner,
} from "./stream.js";
export {
  clientTLSOptions,
  isTLSError,
  type ServerTLSConfig,
  serverTLSConfig,
  wrapClientSocket,
  wrapServerSocket,
} from "./tls.js";
