/**
 * The socket listeners of {@link StreamTransport}: module-level functions, shared by every
 * connection, that find their transport through a symbol-keyed property of the socket. No
 * closure is made per connection or per chunk.
 *
 * @module
 * @internal
 */

import type { Socket } from "node:net";

/** The socket property through which the shared listeners find their transport. */
const kTransport: unique symbol = Symbol("braid.transport");

/** What the listeners call on a transport. */
export interface SocketEvents {
  /** Whether TLS runs on the socket (then 'secure' is listened to as well). */
  readonly secure: boolean;
  _dataReceived(chunk: Buffer): void;
  _readEnded(): void;
  _writeFinished(): void;
  _error(err: Error): void;
  _closed(): void;
  _checkProducer(pull: boolean): void;
  _secured(): void;
}

/** A socket, possibly owned by a transport. */
export type OwnedSocket = Socket & { [kTransport]?: SocketEvents | undefined };

// --- Module-level socket listeners: `this` is the socket ------------------------------------

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[kTransport]?._dataReceived(chunk);
}
function onEnd(this: OwnedSocket): void {
  this[kTransport]?._readEnded();
}
function onFinish(this: OwnedSocket): void {
  this[kTransport]?._writeFinished();
}
function onError(this: OwnedSocket, err: Error): void {
  this[kTransport]?._error(err);
}
function onClose(this: OwnedSocket): void {
  this[kTransport]?._closed();
}
function onDrain(this: OwnedSocket): void {
  this[kTransport]?._checkProducer(false);
}
function onSecure(this: OwnedSocket): void {
  this[kTransport]?._secured();
}

/**
 * Attaches the shared listeners every connection needs to `socket` and points them at
 * `transport`. 'finish' and 'drain' matter only to a connection that closes its write side or
 * paces a producer: {@link watchFinish} and {@link watchDrain} add them then, which keeps an
 * idle connection's listener table small (10,000 idle connections: about 100 bytes each).
 */
export function attach(socket: OwnedSocket, transport: SocketEvents): void {
  socket[kTransport] = transport;
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("error", onError);
  socket.on("close", onClose);
  if (transport.secure) socket.on("secure", onSecure);
}

/** Tells the transport when its write side has finished ('finish'); idempotent. */
export function watchFinish(socket: OwnedSocket): void {
  if (!socket.listeners("finish").includes(onFinish)) socket.on("finish", onFinish);
}

/** Tells the transport when the socket's buffer has drained ('drain'); idempotent. */
export function watchDrain(socket: OwnedSocket): void {
  if (!socket.listeners("drain").includes(onDrain)) socket.on("drain", onDrain);
}

/** Detaches the shared listeners (but the no-op-safe error one) from `socket`. */
export function detach(socket: OwnedSocket): void {
  socket[kTransport] = undefined;
  socket.removeListener("data", onData);
  socket.removeListener("end", onEnd);
  socket.removeListener("finish", onFinish);
  socket.removeListener("close", onClose);
  socket.removeListener("drain", onDrain);
  socket.removeListener("secure", onSecure);
  // 'error' stays, as a no-op: a late error must not become an uncaught exception.
}
