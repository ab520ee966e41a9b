/**
 * `StreamTransport`: the transport over a connected `net.Socket` (or `tls.TLSSocket`), shared by
 * TCP, UNIX-domain and TLS connections. It is the hot path of every Braid server, so:
 *
 * - Writes are coalesced per event-loop turn: `write()` appends to a pending list and queues the
 *   transport on ONE module-level flush queue, drained by a single `process.nextTick`; the flush
 *   hands everything to the socket in one `socket.write` (concatenated when small, corked when
 *   large). Writes made inside the protocol's `dataReceived` are flushed when it returns instead.
 *   A large write with nothing pending goes straight to the socket.
 * - Small writes are copied into one scratch buffer that plain transports share and reuse while
 *   the kernel takes each write at once (see `scratch.ts`); a lone write is handed over as it is.
 * - No per-connection or per-chunk closures: socket listeners are module-level functions that
 *   find their transport through a symbol-keyed property of the socket. The pending list is
 *   allocated on the first write; an idle transport is a handful of fields.
 * - Read buffers are Node's own and are handed to the protocol to keep.
 *
 * Flow control runs both ways (see `producers/interfaces.ts`): as a consumer the transport pauses
 * a push producer when `getWriteBufferSize()` passes the high-water mark and resumes it at the
 * low one, and asks a pull producer for more each time its buffer empties; as a push producer
 * `pauseProducing()` stops reading from the socket, so the kernel pushes back on the peer.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  ConnectionResetError,
  InvalidStateError,
  TLSError,
} from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IPullProducer, IPushProducer } from "../producers/interfaces.js";
import { ProducerRegistration } from "../producers/registration.js";
import { type Address, IPv4Address, ipAddress, UNIXAddress } from "../protocol/address.js";
import { type IProtocol, isHalfCloseable } from "../protocol/interfaces.js";
import type { ITLSTransport, TLSClientOptions, TLSServerOptions } from "../reactor/interfaces.js";
import type { IDelayedCall, IReactorTime } from "../time/interfaces.js";
import { queueFlush } from "./flushqueue.js";
import { attach, detach, type OwnedSocket, watchDrain, watchFinish } from "./listeners.js";
import { holdsScratch, releaseScratch, takeScratch } from "./scratch.js";
import { clientTLSOptions, isTLSError, wrapClientSocket, wrapServerSocket } from "./tls.js";

const tcpLog = new Logger("braid.tcp");
const unixLog = new Logger("braid.unix");
const tlsLog = new Logger("braid.tls");

/**
 * Pending writes up to this many bytes in all are copied into one buffer and written at once;
 * above, they are corked and handed over as one vectored write. Measured on bulk echo: one copy
 * and one plain write beat Node's corked `writev` path by far, even for tens of KiB.
 */
const COALESCE_LIMIT = 64 * 1024;
/**
 * A write at least this big, with nothing pending, goes straight to the socket, inside the call:
 * bulk data then takes the same path as a raw `socket.write` (measured on bulk echo, deferring
 * medium chunks to the end of the turn made the server fall into small reads and writes far more
 * often). Smaller writes wait for the end of the turn, to be coalesced.
 */
const DIRECT_WRITE = 1024;
/**
 * Writes up to this many bytes are copied into the turn's accumulation buffer instead of being
 * queued by reference: a burst of small writes (lines, replies) then costs no allocation per
 * write and leaves the flush a single buffer to hand over. The turn's first write is kept by
 * reference until a second one comes, so a lone reply is handed over as it is, uncopied.
 */
const SMALL_WRITE = 512;
/** Size of an accumulation buffer: under half of Node's buffer pool, so it is a cheap slice. */
const ACC_SIZE = 2048;
const EMPTY = Buffer.alloc(0);

// State bits, kept in one number so that an idle transport stays small.
const LOST = 1 << 0; // connectionLost delivered (or being delivered)
const DISCONNECTING = 1 << 1; // loseConnection called
const WRITE_CLOSED = 1 << 2; // socket.end() called (or will be, after a TLS upgrade)
const READ_PAUSED = 1 << 3; // pauseProducing: not reading
const FLUSH_QUEUED = 1 << 4; // on the flush queue
const TLS = 1 << 5; // TLS started on this connection
const SECURE = 1 << 6; // TLS handshake completed
const KEEPALIVE = 1 << 7;
const NODELAY = 1 << 8;
const CLOSE_ON_FINISH = 1 << 9; // loseConnection: discard reads, close on the peer's FIN
const UNIX = 1 << 10; // a UNIX-domain socket
const CLIENT = 1 << 11; // this end connected (rather than accepted)
const UPGRADING = 1 << 12; // startTLS waits for clear-text writes to drain
const WRITE_HALF = 1 << 13; // loseWriteConnection: tell the protocol on 'finish'
const END_PENDING = 1 << 14; // socket.end() waits for the TLS handshake (Node would drop data)
const DELIVERING = 1 << 15; // inside protocol.dataReceived: writes are flushed when it returns

/**
 * After `loseConnection` has sent everything and FIN, how long the transport waits for the peer
 * to close its side before closing the socket anyway, in seconds. Closing while the peer's data
 * is unread would make the kernel reset the connection and drop what is still queued for it.
 */
export const LINGER_SECONDS = 2;

/** Options for {@link StreamTransport}'s kind, given by the port or connector that made it. */
export interface StreamTransportKind {
  /** A UNIX-domain socket (addresses are `UNIXAddress`). */
  readonly unix?: boolean;
  /** The connection runs TLS from the first byte. */
  readonly tls?: boolean;
  /** This end made the connection (a client). */
  readonly client?: boolean;
}

/**
 * The port or connector that made a transport: told when the connection is gone, and asked for
 * what the transport does not keep itself.
 */
export interface StreamTransportOwner {
  /** The socket path of a UNIX connection (the server's path, from either end). */
  readonly unixPath: string | null;
  /** The host name a client connected to (verified by a client-side `startTLS`). */
  readonly hostname: string | null;
  /** The clock that bounds a lingering close (see {@link LINGER_SECONDS}). */
  readonly clock: IReactorTime;
  /** Called once, after the protocol's `connectionLost`. */
  transportLost(transport: StreamTransport, reason: Failure): void;
}

/**
 * The transport of one connected stream socket. Made by the TCP, UNIX and TLS ports and
 * connectors; protocols see it as an {@link ITLSTransport}.
 *
 * `write` never throws and drops data once the connection is lost; data given to `write` must
 * not be modified afterwards (it is sent later in the same turn of the event loop, or later
 * still under backpressure).
 */
export class StreamTransport implements ITLSTransport {
  /** The socket: a `tls.TLSSocket` once TLS has started. */
  socket: Socket;
  /** The protocol this transport delivers events to. */
  protocol: IProtocol;
  private readonly _owner: StreamTransportOwner;
  private _flags: number;
  /** The first write pending this turn: most turns have exactly one, and need no array. */
  private _first: Uint8Array | null = null;
  /** Every write pending this turn, the first included, once there are two or more. */
  private _pending: Uint8Array[] | null = null;
  /**
   * The buffer small writes are copied into, when one is open; it is then always the last pending
   * chunk (untrimmed until {@link _sealAcc}), and `_accUsed` bytes of it are filled.
   */
  private _acc: Buffer | null = null;
  private _accUsed = 0;
  private _pendingBytes = 0;
  /** The registered producer and the write-buffer marks: made on first need. */
  private _flow: ProducerRegistration | null = null;
  private _reason: Error | null = null;
  private _peer: Address | null;
  private _host: Address | null = null;
  private _writeDone: ((err?: Error | null) => void) | null = null;
  private _linger: IDelayedCall | null = null;

  /**
   * Wraps a connected `socket`; nothing happens until {@link start}.
   *
   * @param peer - the peer's address when the caller already built it (for `buildProtocol`).
   */
  constructor(
    socket: Socket,
    protocol: IProtocol,
    owner: StreamTransportOwner,
    kind: StreamTransportKind = {},
    peer: Address | null = null,
  ) {
    this.socket = socket;
    this.protocol = protocol;
    this._owner = owner;
    this._peer = peer;
    this._flags =
      NODELAY | (kind.unix ? UNIX : 0) | (kind.tls ? TLS : 0) | (kind.client ? CLIENT : 0);
  }

  /**
   * Attaches the socket's listeners and calls the protocol's `makeConnection`. An exception from
   * the protocol is logged and aborts the connection.
   */
  start(): void {
    attach(this.socket, this);
    try {
      this.protocol.makeConnection(this);
    } catch (e) {
      this._protocolFailed("makeConnection", e);
    }
  }

  // --- ITransport: writing -----------------------------------------------------------------

  /** {@inheritDoc ITransport.write} */
  write(data: Uint8Array): void {
    const f = this._flags;
    if (f & (LOST | WRITE_CLOSED)) return;
    const n = data.byteLength;
    if (n === 0) return;
    if (
      this._pendingBytes === 0 &&
      n >= DIRECT_WRITE &&
      (f & UPGRADING) === 0 &&
      this.socket.writableCorked === 0
    ) {
      this.socket.write(data, this._completionCallback());
    } else {
      if (n <= SMALL_WRITE) {
        // The only write of the turn (a reply, usually) is sent as it is: copying pays only
        // once a second small write follows it.
        if (this._first === null) this._first = data;
        else this._copySmall(data, n);
      } else {
        if (this._acc !== null) this._sealAcc();
        this._queue(data);
      }
      this._pendingBytes += n;
      if ((f & (FLUSH_QUEUED | DELIVERING)) === 0) {
        this._flags = f | FLUSH_QUEUED;
        queueFlush(this);
      }
    }
    const flow = this._flow;
    if (flow?.watching) flow.written(this._pendingBytes + this.socket.writableLength);
  }

  /** {@inheritDoc ITransport.writeSequence} */
  writeSequence(data: Iterable<Uint8Array>): void {
    for (const chunk of data) this.write(chunk);
  }

  /** Appends `chunk` to the pending writes, by reference. */
  private _queue(chunk: Uint8Array): void {
    const first = this._first;
    if (first === null) this._first = chunk;
    else if (this._pending === null) this._pending = [first, chunk];
    else this._pending.push(chunk);
  }

  /**
   * Copies a small write into the open accumulation buffer, opening one when there is none or it
   * is full. A fresh buffer takes in the last pending chunk too when that is a small write queued
   * by reference (the turn's first), so a burst of small writes still leaves one buffer.
   */
  private _copySmall(data: Uint8Array, n: number): void {
    const acc = this._acc;
    if (acc !== null) {
      const used = this._accUsed;
      if (used + n <= acc.length) {
        // A delimiter or a tiny field: cheaper by hand than through `set`.
        if (n <= 4) for (let i = 0; i < n; i++) acc[used + i] = data[i] as number;
        else acc.set(data, used);
        this._accUsed = used + n;
        return;
      }
      this._sealAcc();
    }
    const fresh =
      ((this._flags & TLS) === 0 ? takeScratch(this) : null) ?? Buffer.allocUnsafe(ACC_SIZE);
    const pending = this._pending;
    const last = pending === null ? this._first : (pending[pending.length - 1] as Uint8Array);
    // A sealed accumulation buffer is never a small first chunk (it was sealed nearly full), so
    // a small one here is the turn's first write, kept by reference.
    if (pending === null && last !== null && last.byteLength <= SMALL_WRITE) {
      const m = last.byteLength;
      fresh.set(last, 0);
      fresh.set(data, m);
      this._first = fresh;
      this._acc = fresh;
      this._accUsed = m + n;
      return;
    }
    fresh.set(data, 0);
    this._queue(fresh);
    this._acc = fresh;
    this._accUsed = n;
  }

  /** Trims the open accumulation buffer (the last pending chunk) to what was written into it. */
  private _sealAcc(): void {
    const acc = this._acc as Buffer;
    const trimmed = acc.subarray(0, this._accUsed);
    const pending = this._pending;
    if (pending === null) this._first = trimmed;
    else pending[pending.length - 1] = trimmed;
    this._acc = null;
    this._accUsed = 0;
  }

  /** {@inheritDoc ITransport.getWriteBufferSize} */
  getWriteBufferSize(): number {
    if (this._flags & LOST) return 0;
    return this._pendingBytes + this.socket.writableLength;
  }

  /** {@inheritDoc ITransport.setWriteBufferLimits} */
  setWriteBufferLimits(high?: number, low?: number): void {
    this._producerFlow().setLimits(high, low, this.getWriteBufferSize());
  }

  private _producerFlow(): ProducerRegistration {
    return (this._flow ??= new ProducerRegistration(this._log()));
  }

  /** @internal called from the flush queue. */
  _flushQueued(): void {
    this._flags &= ~FLUSH_QUEUED;
    this._flush();
  }

  /** Hands the pending writes to the socket. */
  private _flush(): void {
    if (this._first === null || this._flags & (LOST | UPGRADING)) return;
    if (this._acc !== null) this._sealAcc();
    const first = this._first;
    const pending = this._pending;
    const socket = this.socket;
    const bytes = this._pendingBytes;
    const cb = this._completionCallback();
    // Fresh state rather than `length = 0`: shrinking an array goes through a slow runtime path.
    this._first = null;
    this._pending = null;
    this._acc = null;
    this._pendingBytes = 0;
    let copied = false;
    if (pending === null) {
      socket.write(first, cb);
    } else if (bytes <= COALESCE_LIMIT) {
      socket.write(Buffer.concat(pending, bytes), cb);
      copied = true;
    } else {
      const last = pending.length - 1;
      socket.cork();
      for (let i = 0; i < last; i++) socket.write(pending[i] as Uint8Array);
      socket.write(pending[last] as Uint8Array, cb);
      socket.uncork();
    }
    // The socket references what it wrote until the write completes: unless it completed
    // within the call (nothing left queued), the scratch buffer is now the socket's.
    if (holdsScratch(this)) releaseScratch(this, !copied && socket.writableLength !== 0);
  }

  // --- ITransport: closing -----------------------------------------------------------------

  /** {@inheritDoc ITransport.disconnecting} */
  get disconnecting(): boolean {
    return (this._flags & (DISCONNECTING | LOST)) === DISCONNECTING;
  }

  /**
   * {@inheritDoc ITransport.loseConnection}
   *
   * Data arriving afterwards is discarded. The socket closes when the peer closes its side in
   * turn, or {@link LINGER_SECONDS} after everything was sent, whichever comes first.
   */
  loseConnection(): void {
    const f = this._flags;
    if (f & (LOST | DISCONNECTING)) return;
    this._flags = f | DISCONNECTING;
    if (this._flow === null || this._flow.producer === null) this._closeWrite(true);
  }

  /** {@inheritDoc ITCPTransport.loseWriteConnection} */
  loseWriteConnection(): void {
    const f = this._flags;
    if (f & (LOST | WRITE_CLOSED)) return;
    this._flags = f | WRITE_HALF;
    this._closeWrite(false);
  }

  /** {@inheritDoc ITransport.abortConnection} */
  abortConnection(): void {
    this._abort(new ConnectionAborted());
  }

  /**
   * Sends what is pending, then FIN. With `full` (loseConnection), data arriving afterwards is
   * discarded and the socket closes when the peer's FIN arrives, or after {@link LINGER_SECONDS}.
   */
  private _closeWrite(full: boolean): void {
    watchFinish(this.socket);
    let f = this._flags;
    if (full) {
      f |= CLOSE_ON_FINISH;
      if (f & READ_PAUSED && (f & UPGRADING) === 0) this.socket.resume();
      f &= ~READ_PAUSED;
    }
    if (f & WRITE_CLOSED) {
      this._flags = f;
      return;
    }
    if (f & UPGRADING || (f & (TLS | SECURE)) === TLS) {
      // Ended before the handshake, a TLS socket would drop what is queued: end once secure.
      this._flags = f | WRITE_CLOSED | END_PENDING;
      this._flush();
      return;
    }
    this._flags = f | WRITE_CLOSED;
    this._flush();
    this.socket.end();
  }

  private _abort(reason: Error): void {
    if (this._flags & LOST) return;
    this._reason ??= reason;
    this._first = null;
    this._pending = null;
    this._acc = null;
    this._pendingBytes = 0;
    releaseScratch(this, false);
    this.socket.destroy();
  }

  // --- ITransport: addresses -----------------------------------------------------------------

  /** {@inheritDoc ITransport.getPeer} */
  getPeer(): Address {
    if (this._peer !== null) return this._peer;
    const s = this.socket;
    let peer: Address;
    if (this._flags & UNIX) {
      peer = new UNIXAddress(this._flags & CLIENT ? this._owner.unixPath : null);
    } else if (s.remoteAddress !== undefined) {
      peer = ipAddress("TCP", s.remoteAddress, s.remotePort ?? 0, s.remoteFamily);
    } else {
      return new IPv4Address("TCP", "0.0.0.0", 0);
    }
    this._peer = peer;
    return peer;
  }

  /** {@inheritDoc ITransport.getHost} */
  getHost(): Address {
    if (this._host !== null) return this._host;
    let host: Address;
    if (this._flags & UNIX) {
      host = new UNIXAddress(this._flags & CLIENT ? null : this._owner.unixPath);
    } else {
      const a = this.socket.address() as { address?: string; port?: number; family?: string };
      if (a.address === undefined) return new IPv4Address("TCP", "0.0.0.0", 0);
      host = ipAddress("TCP", a.address, a.port ?? 0, a.family);
    }
    this._host = host;
    return host;
  }

  // --- ITCPTransport -------------------------------------------------------------------------

  /** {@inheritDoc ITCPTransport.setTcpNoDelay} */
  setTcpNoDelay(enabled: boolean): void {
    this._flags = enabled ? this._flags | NODELAY : this._flags & ~NODELAY;
    if ((this._flags & LOST) === 0) this.socket.setNoDelay(enabled);
  }

  /** {@inheritDoc ITCPTransport.getTcpNoDelay} */
  getTcpNoDelay(): boolean {
    return (this._flags & NODELAY) !== 0;
  }

  /** {@inheritDoc ITCPTransport.setTcpKeepAlive} */
  setTcpKeepAlive(enabled: boolean, initialDelaySeconds = 0): void {
    this._flags = enabled ? this._flags | KEEPALIVE : this._flags & ~KEEPALIVE;
    if ((this._flags & LOST) === 0) this.socket.setKeepAlive(enabled, initialDelaySeconds * 1000);
  }

  /** {@inheritDoc ITCPTransport.getTcpKeepAlive} */
  getTcpKeepAlive(): boolean {
    return (this._flags & KEEPALIVE) !== 0;
  }

  // --- IConsumer: producers ------------------------------------------------------------------

  /**
   * {@inheritDoc IConsumer.registerProducer}
   *
   * On a connection already lost the producer is stopped at once instead.
   *
   * @throws InvalidStateError when a producer is already registered.
   */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    const lost = (this._flags & LOST) !== 0;
    if (!lost) watchDrain(this.socket);
    this._producerFlow().register(
      producer,
      streaming,
      lost ? 0 : this._pendingBytes + this.socket.writableLength,
      lost,
      "this transport",
    );
  }

  /** {@inheritDoc IConsumer.unregisterProducer} */
  unregisterProducer(): void {
    if (this._flow?.unregister() !== true) return;
    if ((this._flags & (DISCONNECTING | LOST)) === DISCONNECTING) this._closeWrite(true);
  }

  /**
   * After a write completed or the socket drained: resumes a paused push producer at the low
   * mark, or (`pull`) asks a pull producer for more when the buffer is empty.
   *
   * @internal
   */
  _checkProducer(pull: boolean): void {
    const flow = this._flow;
    if (flow === null || flow.producer === null || this._flags & LOST) return;
    flow.drained(this._pendingBytes + this.socket.writableLength, pull);
  }

  /**
   * The callback for a write now, or `undefined` when no one needs to hear of its completion: a
   * pull producer is asked for more when the buffer empties, and a paused push producer is
   * resumed at the low mark. A push producer that is not paused needs nothing: if a write pushes
   * the buffer past the high mark, that write returned `false`, and the socket's 'drain' resumes
   * it. Leaving the callback out keeps a forwarding proxy's hot path as lean as a raw pipe's.
   */
  private _completionCallback(): ((err?: Error | null) => void) | undefined {
    return this._flow?.waiting ? this._writeCallback() : undefined;
  }

  /** The write callback of this transport, made on first need (only transports with producers). */
  private _writeCallback(): (err?: Error | null) => void {
    let cb = this._writeDone;
    if (cb === null) {
      cb = this._writeDone = (err?: Error | null) => {
        if (!err) this._checkProducer(true);
      };
    }
    return cb;
  }

  // --- IPushProducer: reading ----------------------------------------------------------------

  /** Stops reading from the socket until {@link resumeProducing}; the peer backs up. */
  pauseProducing(): void {
    const f = this._flags;
    if (f & (LOST | READ_PAUSED)) return;
    this._flags = f | READ_PAUSED;
    if ((f & UPGRADING) === 0) this.socket.pause();
  }

  /** Reads from the socket again after {@link pauseProducing}. */
  resumeProducing(): void {
    const f = this._flags;
    if ((f & READ_PAUSED) === 0 || f & LOST) return;
    this._flags = f & ~READ_PAUSED;
    if ((f & UPGRADING) === 0) this.socket.resume();
  }

  /** Closes the connection, like {@link loseConnection}. */
  stopProducing(): void {
    this.loseConnection();
  }

  // --- ITLSTransport -------------------------------------------------------------------------

  /** Whether TLS has been started on this connection (from the first byte, or by `startTLS`). */
  get secure(): boolean {
    return (this._flags & TLS) !== 0;
  }

  /**
   * {@inheritDoc ITLSTransport.startTLS}
   *
   * Writes made before the call are sent in clear first (if some are still queued in the
   * socket, the handshake waits for them); writes after it are held until the handshake is done
   * and then sent encrypted. A client side verifies the peer against `options.hostname`, or the
   * host name connected to, or the peer's IP address.
   *
   * @throws InvalidStateError when TLS already runs or the connection is closing.
   */
  startTLS(options: TLSServerOptions | TLSClientOptions, side: "server" | "client"): void {
    const f = this._flags;
    if (f & TLS) throw new InvalidStateError("TLS has already been started on this connection");
    if (f & (LOST | WRITE_CLOSED)) throw new InvalidStateError("The connection is closing");
    this._flush();
    const raw = this.socket;
    if (raw.writableLength === 0) {
      this._flags = f | TLS;
      this._upgrade(options, side);
      return;
    }
    this._flags = f | TLS | UPGRADING;
    raw.pause();
    raw.write(EMPTY, () => {
      if ((this._flags & LOST) === 0) this._upgrade(options, side);
    });
  }

  private _upgrade(options: TLSServerOptions | TLSClientOptions, side: "server" | "client"): void {
    const raw = this.socket as OwnedSocket;
    detach(raw);
    let wrapped: TLSSocket;
    try {
      wrapped =
        side === "server"
          ? wrapServerSocket(raw, options as TLSServerOptions)
          : wrapClientSocket(
              raw,
              clientTLSOptions(
                options as TLSClientOptions,
                this._owner.hostname ?? raw.remoteAddress ?? "localhost",
              ),
            );
    } catch (e) {
      attach(raw, this);
      this._flags &= ~UPGRADING;
      this._abort(new TLSError(`Could not start TLS: ${String(e)}`, { cause: e }));
      return;
    }
    this.socket = wrapped;
    attach(wrapped, this);
    if (this._flags & WRITE_CLOSED) watchFinish(wrapped);
    if (this._flow !== null && this._flow.producer !== null) watchDrain(wrapped);
    const f = this._flags & ~UPGRADING;
    this._flags = f;
    if (f & READ_PAUSED) wrapped.pause();
    if (f & WRITE_CLOSED) {
      this._flush(); // END_PENDING is set: the socket is ended once the handshake is done
    } else if (this._pendingBytes > 0 && (f & FLUSH_QUEUED) === 0) {
      this._flags = f | FLUSH_QUEUED;
      queueFlush(this);
    }
  }

  // --- Socket events (called by the module-level listeners) ---------------------------------

  /**
   * Delivers a chunk to the protocol. What the protocol writes meanwhile (its reply, usually) is
   * coalesced and handed to the socket as soon as `dataReceived` returns, rather than at the end
   * of the turn: a request/response server then saves a trip through the flush queue per message.
   *
   * @internal
   */
  _dataReceived(chunk: Buffer): void {
    const f = this._flags;
    if (f & CLOSE_ON_FINISH) return; // after loseConnection: discarded
    this._flags = f | DELIVERING;
    try {
      this.protocol.dataReceived(chunk);
    } catch (e) {
      this._flags &= ~DELIVERING;
      this._protocolFailed("dataReceived", e);
      return;
    }
    const g = this._flags & ~DELIVERING;
    this._flags = g;
    if (this._first !== null && (g & FLUSH_QUEUED) === 0) this._flush();
  }

  /** @internal the peer half-closed. */
  _readEnded(): void {
    const f = this._flags;
    if (f & (LOST | CLOSE_ON_FINISH)) return; // closing already: the socket closes by itself
    if ((f & (TLS | SECURE)) === TLS) {
      this._abort(new TLSError("The peer closed the connection during the TLS handshake"));
      return;
    }
    const p = this.protocol;
    if (isHalfCloseable(p)) {
      try {
        p.readConnectionLost();
      } catch (e) {
        this._protocolFailed("readConnectionLost", e);
      }
      return;
    }
    // A protocol that cannot half-close sees the connection closed (what is queued is sent).
    this._flow?.stop();
    this._flags |= DISCONNECTING;
    this._closeWrite(true);
  }

  /** @internal our write side finished (FIN sent after everything queued). */
  _writeFinished(): void {
    const f = this._flags;
    if (f & LOST) return;
    if (f & CLOSE_ON_FINISH) {
      if (!this.socket.readableEnded) {
        this._linger = this._owner.clock.callLater(LINGER_SECONDS, lingerExpired, this);
      }
    } else if (f & WRITE_HALF && isHalfCloseable(this.protocol)) {
      try {
        this.protocol.writeConnectionLost();
      } catch (e) {
        this._protocolFailed("writeConnectionLost", e);
      }
    }
  }

  /** @internal */
  _error(err: Error): void {
    if (this._reason !== null) return;
    const f = this._flags;
    if (f & TLS && ((f & SECURE) === 0 || isTLSError(err))) {
      this._reason = new TLSError(`TLS failure: ${err.message}`, { cause: err });
    } else if ((err as { code?: string }).code === "ECONNRESET") {
      this._reason = new ConnectionResetError("Connection was reset by the peer", { cause: err });
    } else {
      this._reason = new ConnectionLost(`Connection lost: ${err.message}`, { cause: err });
    }
  }

  /** @internal the TLS handshake completed (and, on a client, the peer was verified). */
  _secured(): void {
    const f = this._flags;
    if (this.socket.destroyed || f & LOST) return;
    this._flags = (f | SECURE) & ~END_PENDING;
    if (f & END_PENDING) {
      this._flush();
      this.socket.end();
    }
  }

  /** @internal the socket is closed: delivers `connectionLost`, once. */
  _closed(): void {
    const f = this._flags;
    if (f & LOST) return;
    this._flags = f | LOST;
    let reason = this._reason;
    if (reason === null) {
      reason =
        f & TLS && (f & (SECURE | DISCONNECTING | WRITE_CLOSED)) === 0
          ? new TLSError("The TLS handshake did not complete")
          : new ConnectionDone();
    }
    this._first = null;
    this._pending = null;
    this._acc = null;
    this._pendingBytes = 0;
    releaseScratch(this, false);
    const linger = this._linger;
    if (linger !== null) {
      this._linger = null;
      if (linger.active()) linger.cancel();
    }
    detach(this.socket as OwnedSocket);
    this._flow?.stop();
    const failure = new Failure(reason);
    try {
      this.protocol.connectionLost(failure);
    } catch (e) {
      this._log().failure("Unhandled error in {protocol}.connectionLost", e, {
        protocol: this.protocol.constructor.name,
      });
    }
    this._owner.transportLost(this, failure);
  }

  private _protocolFailed(method: string, e: unknown): void {
    this._log().failure("Unhandled error in {protocol}.{method}; aborting the connection", e, {
      protocol: this.protocol.constructor.name,
      method,
    });
    this._abort(
      new ConnectionAborted(`The protocol's ${method} raised an exception`, { cause: e }),
    );
  }

  private _log(): Logger {
    const f = this._flags;
    return f & TLS ? tlsLog : f & UNIX ? unixLog : tcpLog;
  }
}

function lingerExpired(t: StreamTransport): void {
  t.socket.destroy();
}
