/**
 * Connection tracking for services: a factory wrapper that knows every connection its factory's
 * protocols are serving, so that a service can wait for them to finish (and drop them after a
 * grace period) when it stops, and log each connection's opening and closing.
 *
 * The wrapper protocol forwards every event to the protocol the user's factory built and hands
 * it the real transport, so the user's protocol sees exactly what it would without the wrapper.
 *
 * @module
 */

import { Deferred } from "../defer/deferred.js";
import type { Failure } from "../errors/failure.js";
import type { Logger } from "../logger/logger.js";
import type { Address } from "../protocol/address.js";
import {
  type IProtocol,
  type IProtocolFactory,
  type ITransport,
  isHalfCloseable,
} from "../protocol/interfaces.js";

/** Options of a {@link ConnectionTrackingFactory}. */
export interface ConnectionTrackingOptions {
  /** Where to log each connection's opening and closing (at debug level); none by default. */
  log?: Logger;
  /** A label for those log lines (the service's name or address). */
  label?: string;
  /** Whether the peers connect to us (`"from"`, the default) or we to them (`"to"`). */
  direction?: "from" | "to";
  /** Called when a tracked connection is up (after the user's protocol's `connectionMade`). */
  onMade?: (connection: TrackedProtocol) => void;
  /** Called when a tracked connection is gone (after the user's protocol's `connectionLost`). */
  onLost?: (connection: TrackedProtocol, reason: Failure) => void;
}

/**
 * Wraps one protocol built by the user's factory: forwards every event to it, and tells the
 * {@link ConnectionTrackingFactory} when the connection comes and goes. It offers the half-close
 * methods only when the wrapped protocol has them.
 */
export class TrackedProtocol implements IProtocol {
  /** The transport, once connected. */
  transport: ITransport | null = null;
  /** The peer's address, once connected. */
  peer: Address | null = null;
  declare readConnectionLost?: () => void;
  declare writeConnectionLost?: () => void;

  constructor(
    private readonly tracker: ConnectionTrackingFactory,
    /** The protocol the user's factory built. */
    readonly wrapped: IProtocol,
  ) {
    if (isHalfCloseable(wrapped)) {
      this.readConnectionLost = () => wrapped.readConnectionLost();
      this.writeConnectionLost = () => wrapped.writeConnectionLost();
    }
  }

  /** Records the connection, then connects the wrapped protocol to the same transport. */
  makeConnection(transport: ITransport): void {
    this.transport = transport;
    this.tracker._opened(this);
    this.wrapped.makeConnection(transport);
    this.tracker._made(this);
  }

  /** Nothing: the wrapped protocol's `connectionMade` runs inside its `makeConnection`. */
  connectionMade(): void {}

  /** Forwarded. */
  dataReceived(data: Uint8Array): void {
    this.wrapped.dataReceived(data);
  }

  /** Forwarded; then the connection is forgotten. */
  connectionLost(reason: Failure): void {
    try {
      this.wrapped.connectionLost(reason);
    } finally {
      this.tracker._closed(this, reason);
    }
  }
}

/**
 * Wraps a protocol factory to track the connections of the protocols it builds.
 *
 * The wrapped factory's `doStop` is put off until the last tracked connection is gone, so that
 * what it shares with its connections (a database, a user list) outlives them when a port stops
 * listening before its connections have finished.
 */
export class ConnectionTrackingFactory implements IProtocolFactory {
  /** The connections up now. */
  readonly connections = new Set<TrackedProtocol>();
  private _waiters: Deferred<void>[] = [];
  private _stopPending = 0;

  constructor(
    /** The user's factory. */
    readonly wrapped: IProtocolFactory,
    private readonly options: ConnectionTrackingOptions = {},
  ) {}

  /** Forwarded. */
  doStart(): void {
    this.wrapped.doStart();
  }

  /** Forwarded, once no tracked connection is left. */
  doStop(): void {
    if (this.connections.size === 0) this.wrapped.doStop();
    else this._stopPending++;
  }

  /** The user's protocol in a {@link TrackedProtocol}, or `null` when the factory refused. */
  buildProtocol(addr: Address): IProtocol | null {
    const proto = this.wrapped.buildProtocol(addr);
    if (proto === null) return null;
    return new TrackedProtocol(this, proto);
  }

  /** A Deferred that fires once no tracked connection is left (at once when there is none). */
  whenIdle(): Deferred<void> {
    const d = new Deferred<void>((cancelled) => {
      this._waiters = this._waiters.filter((w) => w !== cancelled);
    });
    if (this.connections.size === 0) d.callback(undefined);
    else this._waiters.push(d);
    return d;
  }

  /** Closes every tracked connection at once (`abortConnection`), dropping what is queued. */
  abortAll(): void {
    for (const connection of [...this.connections]) connection.transport?.abortConnection();
  }

  /** @internal */
  _opened(connection: TrackedProtocol): void {
    this.connections.add(connection);
    const transport = connection.transport!;
    try {
      connection.peer = transport.getPeer();
    } catch {
      connection.peer = null;
    }
    this.options.log?.debug("{label}: connection {direction} {peer} opened", {
      direction: this.options.direction ?? "from",
      label: this.options.label ?? "server",
      peer: String(connection.peer ?? "?"),
    });
  }

  /** @internal */
  _made(connection: TrackedProtocol): void {
    this.options.onMade?.(connection);
  }

  /** @internal */
  _closed(connection: TrackedProtocol, reason: Failure): void {
    if (!this.connections.delete(connection)) return;
    this.options.log?.debug("{label}: connection {direction} {peer} closed ({reason})", {
      direction: this.options.direction ?? "from",
      label: this.options.label ?? "server",
      peer: String(connection.peer ?? "?"),
      reason: reason.getErrorMessage(),
    });
    try {
      this.options.onLost?.(connection, reason);
    } finally {
      if (this.connections.size === 0) {
        while (this._stopPending > 0) {
          this._stopPending--;
          this.wrapped.doStop();
        }
        const waiters = this._waiters;
        this._waiters = [];
        for (const d of waiters) d.callback(undefined);
      }
    }
  }
}
