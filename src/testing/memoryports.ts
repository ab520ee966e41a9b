/**
 * The fake ports, connectors and resolver a `MemoryReactor` hands out: each records what is done
 * to it, and offers a few methods for the test to play the network's part (a connection attempt
 * failing, a connection being lost).
 *
 * @module
 */

import { isIP } from "node:net";
import { type Deferred, fail, succeed } from "../defer/deferred.js";
import {
  ConnectionDone,
  ConnectionRefusedError,
  DNSLookupError,
  InvalidStateError,
  UserError,
} from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import type { Address, IPv4Address, IPv6Address } from "../protocol/address.js";
import type { IClientFactory, IConnector, IProtocol } from "../protocol/interfaces.js";
import type {
  IDatagramProtocol,
  IListeningPort,
  IResolver,
  IUDPTransport,
  ResolvedAddress,
} from "../reactor/interfaces.js";
import type { IReactorTime } from "../time/interfaces.js";
import { checkBytes } from "./stringtransport.js";

/**
 * The port a `MemoryReactor`'s `listen*` methods give: it reports its address and records
 * `stopListening`. No connection ever arrives on it; the test builds protocols from the factory
 * it recorded.
 *
 * @example
 * ```ts
 * const port = await reactor.listenTCP(0, factory);
 * await port.stopListening();
 * assert.equal((port as FakeListeningPort).listening, false);
 * ```
 */
export class FakeListeningPort implements IListeningPort {
  /** `false` once {@link stopListening} was called. */
  listening = true;
  /** How many times {@link stopListening} was called. */
  stopListeningCalls = 0;

  constructor(
    /** The address {@link getHost} reports. */
    readonly address: Address,
  ) {}

  /** {@link address}. */
  getHost(): Address {
    return this.address;
  }

  /** Records the call; the Deferred has already fired. */
  stopListening(): Deferred<void> {
    this.listening = false;
    this.stopListeningCalls++;
    return succeed(undefined);
  }
}

/** The states of a {@link FakeConnector}. */
export type ConnectorState = "disconnected" | "connecting" | "connected";

/**
 * The connector a `MemoryReactor`'s `connect*` methods give. It starts connecting at once
 * (`factory.startedConnecting` is called) and then waits: the test decides the outcome with
 * {@link connectionFailed}, or {@link buildProtocol} followed later by {@link connectionLost}.
 * `stopConnecting()` and `disconnect()` behave as the real ones and are recorded.
 *
 * @example
 * ```ts
 * const connector = reactor.connectTCP("example.com", 80, factory) as FakeConnector;
 * connector.connectionFailed(new ConnectionRefusedError());
 * // factory.clientConnectionFailed ran with that reason
 * ```
 */
export class FakeConnector implements IConnector {
  /** Where the attempt is. */
  state: ConnectorState = "disconnected";
  /** How many times {@link connect} ran (the reactor's first attempt included). */
  connectCalls = 0;
  /** `true` once {@link stopConnecting} stopped an attempt. */
  stoppedConnecting = false;
  /** `true` once {@link disconnect} was called. */
  disconnected = false;
  /** The protocol built by {@link buildProtocol} for the current connection, if any. */
  protocol: IProtocol | null = null;

  constructor(
    /** The factory told about each stage. */
    readonly factory: IClientFactory,
    /** Where the connector connects to. */
    readonly destination: Address,
    /** The clock of the reactor that made this connector. */
    readonly clock: IReactorTime,
  ) {}

  /**
   * Starts an attempt: `factory.startedConnecting(this)`.
   *
   * @throws InvalidStateError when an attempt or a connection is already in progress.
   */
  connect(): void {
    if (this.state !== "disconnected") {
      throw new InvalidStateError(`Cannot connect a connector that is ${this.state}`);
    }
    this.state = "connecting";
    this.connectCalls++;
    this.factory.startedConnecting(this);
  }

  /**
   * Stops the attempt: `factory.clientConnectionFailed` gets `UserError`.
   *
   * @throws InvalidStateError when not connecting.
   */
  stopConnecting(): void {
    if (this.state !== "connecting") {
      throw new InvalidStateError(`Cannot stop connecting a connector that is ${this.state}`);
    }
    this.stoppedConnecting = true;
    this.connectionFailed(new UserError());
  }

  /**
   * Records the call; stops an attempt in progress, or closes the connection's transport (when
   * the protocol has one) if it is up.
   */
  disconnect(): void {
    this.disconnected = true;
    if (this.state === "connecting") this.stopConnecting();
    else if (this.state === "connected") {
      const transport = (this.protocol as { transport?: { loseConnection(): void } | null } | null)
        ?.transport;
      transport?.loseConnection();
    }
  }

  /** {@link destination}. */
  getDestination(): Address {
    return this.destination;
  }

  /**
   * Plays a failed attempt: `factory.clientConnectionFailed(this, reason)`.
   *
   * @throws InvalidStateError when not connecting.
   */
  connectionFailed(reason: unknown = new ConnectionRefusedError()): void {
    if (this.state !== "connecting") {
      throw new InvalidStateError(`Cannot fail a connector that is ${this.state}`);
    }
    this.state = "disconnected";
    this.factory.clientConnectionFailed(this, Failure.from(reason));
  }

  /**
   * Plays a successful attempt: asks the factory for a protocol for {@link destination} and
   * returns it (`null` when the factory refused). The test connects it to a transport.
   *
   * @throws InvalidStateError when not connecting.
   */
  buildProtocol(): IProtocol | null {
    if (this.state !== "connecting") {
      throw new InvalidStateError(`Cannot complete a connector that is ${this.state}`);
    }
    this.protocol = this.factory.buildProtocol(this.destination);
    this.state = this.protocol === null ? "disconnected" : "connected";
    return this.protocol;
  }

  /**
   * Plays the loss of the established connection: `factory.clientConnectionLost(this, reason)`.
   * (The protocol's own `connectionLost` is its transport's business.)
   *
   * @throws InvalidStateError when not connected.
   */
  connectionLost(reason: unknown = new ConnectionDone()): void {
    if (this.state !== "connected") {
      throw new InvalidStateError(
        `Cannot lose the connection of a connector that is ${this.state}`,
      );
    }
    this.state = "disconnected";
    this.protocol = null;
    this.factory.clientConnectionLost(this, Failure.from(reason));
  }
}

/** A datagram recorded by {@link FakeUDPTransport.write}. */
export interface SentDatagram {
  readonly data: Uint8Array;
  readonly addr: { host: string; port: number } | undefined;
}

/**
 * The transport `MemoryReactor.listenUDP` gives to the datagram protocol (whose
 * `makeConnection` it calls): it records the datagrams written, `connect`, pausing, and
 * `stopListening` (which calls the protocol's `doStop`). The test delivers datagrams by calling
 * the protocol's `datagramReceived` itself.
 *
 * @example
 * ```ts
 * const transport = await reactor.listenUDP(0, proto);
 * proto.datagramReceived(bytes, new IPv4Address("UDP", "10.0.0.2", 53));
 * assert.equal((transport as FakeUDPTransport).written.length, 1);
 * ```
 */
export class FakeUDPTransport implements IUDPTransport {
  /** The datagrams written, oldest first (copies). */
  readonly written: SentDatagram[] = [];
  /** The peer given to {@link connect}, or `null`. */
  connectedTo: { host: string; port: number } | null = null;
  /** Whether reading is paused. */
  paused = false;
  /** `false` once {@link stopListening} was called. */
  listening = true;

  constructor(
    /** The address {@link getHost} reports. */
    readonly address: IPv4Address | IPv6Address,
    /** The protocol bound to the port. */
    readonly protocol: IDatagramProtocol,
  ) {}

  /**
   * Records the datagram.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   * @throws InvalidStateError when `addr` is missing on an unconnected port or given on a
   *   connected one.
   */
  write(data: Uint8Array, addr?: { host: string; port: number }): void {
    checkBytes(data, "FakeUDPTransport.write");
    if (this.connectedTo !== null && addr !== undefined) {
      throw new InvalidStateError("A connected UDP port writes to its peer only: give no address");
    }
    if (this.connectedTo === null && addr === undefined) {
      throw new InvalidStateError("An unconnected UDP port needs an address to write to");
    }
    this.written.push({ data: data.slice(), addr });
  }

  /** Records the peer; the Deferred has already fired. */
  connect(host: string, port: number): Deferred<void> {
    this.connectedTo = { host, port };
    return succeed(undefined);
  }

  /** {@link address}. */
  getHost(): IPv4Address | IPv6Address {
    return this.address;
  }

  /** Records the pause. */
  pauseProducing(): void {
    this.paused = true;
  }

  /** Records the resume. */
  resumeProducing(): void {
    this.paused = false;
  }

  /** Calls the protocol's `doStop` (the first time) and records the call. */
  stopListening(): Deferred<void> {
    if (this.listening) {
      this.listening = false;
      this.protocol.doStop();
    }
    return succeed(undefined);
  }
}

/**
 * An {@link IResolver} answering from a table of host names, with no network. IP literals
 * resolve to themselves; `localhost` resolves to `127.0.0.1` and `::1` unless the table says
 * otherwise; other names fail with `DNSLookupError`. Results are already fired.
 *
 * @example
 * ```ts
 * const resolver = new MemoryResolver({ "example.com": ["93.184.215.14"] });
 * resolver.getHostByName("example.com"); // fired with "93.184.215.14"
 * ```
 */
export class MemoryResolver implements IResolver {
  /** Host name (lower case) to addresses; may be changed by the test. */
  readonly hosts: Map<string, string[]>;
  /** The names looked up, in order. */
  readonly lookups: string[] = [];

  constructor(hosts: Record<string, string | readonly string[]> = {}) {
    this.hosts = new Map([["localhost", ["127.0.0.1", "::1"]]]);
    for (const [name, addrs] of Object.entries(hosts)) {
      this.hosts.set(name.toLowerCase(), typeof addrs === "string" ? [addrs] : [...addrs]);
    }
  }

  /** The first address of `name`. Fails with `DNSLookupError`. */
  getHostByName(name: string, _timeoutSeconds?: number): Deferred<string> {
    const found = this._lookup(name);
    if (found instanceof Error) return fail(found);
    return succeed(found[0]!.address);
  }

  /** Every address of `name`, in table order. Fails with `DNSLookupError`. */
  resolveHostName(name: string, _timeoutSeconds?: number): Deferred<ResolvedAddress[]> {
    const found = this._lookup(name);
    return found instanceof Error ? fail(found) : succeed(found);
  }

  private _lookup(name: string): ResolvedAddress[] | DNSLookupError {
    this.lookups.push(name);
    const literal = isIP(name);
    const addrs = literal !== 0 ? [name] : (this.hosts.get(name.toLowerCase()) ?? []);
    if (addrs.length === 0) return new DNSLookupError(`No address for ${name} in MemoryResolver`);
    return addrs.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
  }
}
