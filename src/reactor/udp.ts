/**
 * UDP and multicast ports on Node's `dgram`: `listenUDP` and `listenMulticast`, called by the
 * reactor with itself as the first argument.
 *
 * Choices where Node and Twisted differ, all stated on the port's TSDoc:
 *
 * - A datagram longer than `maxPacketSize` is truncated to it (Twisted reads at most that many
 *   bytes); Node itself always receives whole datagrams.
 * - `dgram` cannot stop reading. While a port is paused, datagrams that arrive are kept in a
 *   queue bounded by the socket's receive buffer size (so about what the kernel would have held
 *   had reading stopped); datagrams beyond that bound are dropped, as the kernel would drop them.
 *   The queue is delivered, in order, on a later turn of the event loop after `resumeProducing`.
 * - Errors of `write` that Node reports after the call (it sends asynchronously) are logged,
 *   except ICMP "port unreachable" on a connected port, which calls the protocol's
 *   `connectionRefused`, as errors found while reading do.
 *
 * @module
 */

import dgram from "node:dgram";
import { isIP } from "node:net";
import { Deferred, fail, succeed } from "../defer/deferred.js";
import {
  CannotListenError,
  InvalidAddressError,
  InvalidStateError,
  MessageLengthError,
  MulticastJoinError,
} from "../errors/errors.js";
import { Logger } from "../logger/logger.js";
import { type IPv4Address, type IPv6Address, ipAddress } from "../protocol/address.js";
import type { IDatagramProtocol, IMulticastTransport, IUDPTransport } from "./interfaces.js";
import type { IReactorInternals } from "./internals.js";

const log = new Logger("braid.reactor");

/** The largest UDP payload over IPv4 (65535 - 20 bytes of IP header - 8 of UDP header). */
const MAX_UDP4_PAYLOAD = 65507;
/** The largest UDP payload over IPv6 without jumbograms (65535 - 8 bytes of UDP header). */
const MAX_UDP6_PAYLOAD = 65527;

/** The default `maxPacketSize` of {@link listenUDP} and {@link listenMulticast}. */
export const DEFAULT_MAX_PACKET_SIZE = 8192;

type PortState = "binding" | "listening" | "stopping" | "stopped";

/**
 * A bound UDP socket and the protocol it feeds: the {@link IUDPTransport} of `listenUDP`.
 *
 * @internal users see it as `IUDPTransport`.
 */
export class UDPPort implements IUDPTransport {
  /** The socket; created by the constructor, bound by {@link startListening}. */
  protected readonly socket: dgram.Socket;
  protected readonly reactor: IReactorInternals;
  private readonly _protocol: IDatagramProtocol;
  private readonly _port: number;
  private readonly _iface: string;
  private readonly _maxPacketSize: number;
  private readonly _ipv6: boolean;
  private _state: PortState = "binding";
  private _host: IPv4Address | IPv6Address | undefined;
  private _connected: { host: string; port: number } | undefined;
  private _paused = false;
  private _queue: Array<[Buffer, dgram.RemoteInfo]> = [];
  private _queuedBytes = 0;
  private _flushScheduled = false;
  private _stopWaiters: Deferred<void>[] = [];

  constructor(
    reactor: IReactorInternals,
    port: number,
    protocol: IDatagramProtocol,
    iface: string,
    maxPacketSize: number,
    reuseAddr: boolean,
  ) {
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < 1) {
      throw new RangeError(`maxPacketSize must be a positive integer, not ${maxPacketSize}`);
    }
    this.reactor = reactor;
    this._protocol = protocol;
    this._port = port;
    this._iface = iface;
    this._maxPacketSize = maxPacketSize;
    this._ipv6 = iface.includes(":");
    this.socket = dgram.createSocket({ type: this._ipv6 ? "udp6" : "udp4", reuseAddr });
  }

  /** Binds the socket; then tracks the port and gives it to the protocol. */
  startListening(): Deferred<this> {
    const d = new Deferred<this>();
    const onBindError = (err: Error): void => {
      this._state = "stopped";
      this.socket.close();
      d.errback(new CannotListenError(this._iface, this._port, { cause: err }));
    };
    this.socket.once("error", onBindError);
    try {
      this.socket.bind({ port: this._port, address: this._iface || undefined }, () => {
        this.socket.removeListener("error", onBindError);
        this._bound();
        d.callback(this);
      });
    } catch (e) {
      this.socket.removeListener("error", onBindError);
      this._state = "stopped";
      return fail(new CannotListenError(this._iface, this._port, { cause: e }));
    }
    return d;
  }

  private _bound(): void {
    this._state = "listening";
    const a = this.socket.address();
    this._host = ipAddress("UDP", a.address, a.port, a.family);
    this.socket.on("message", (data, rinfo) => this._onMessage(data, rinfo));
    this.socket.on("error", (err) => this._onError(err));
    this.reactor.trackPort(this);
    try {
      this._protocol.makeConnection(this);
    } catch (e) {
      log.failure("Datagram protocol failed to start on {host}", e, { host: String(this._host) });
    }
  }

  // --- receiving -----------------------------------------------------------------------------

  private _onMessage(data: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this._state !== "listening") return;
    if (this._paused || this._queue.length > 0) {
      // Bounded like the kernel's receive buffer would be had reading really stopped.
      if (this._queuedBytes + data.length <= this._queueLimit()) {
        this._queue.push([data, rinfo]);
        this._queuedBytes += data.length;
      }
      return;
    }
    this._deliver(data, rinfo);
  }

  private _queueLimit(): number {
    try {
      return this.socket.getRecvBufferSize();
    } catch {
      return 212992;
    }
  }

  private _deliver(data: Buffer, rinfo: dgram.RemoteInfo): void {
    const payload =
      data.length > this._maxPacketSize ? data.subarray(0, this._maxPacketSize) : data;
    const addr = ipAddress("UDP", rinfo.address, rinfo.port, rinfo.family);
    try {
      this._protocol.datagramReceived(payload, addr);
    } catch (e) {
      log.failure("Unhandled error in datagramReceived from {peer}", e, { peer: String(addr) });
    }
  }

  private _flush(): void {
    this._flushScheduled = false;
    while (!this._paused && this._state === "listening") {
      const next = this._queue.shift();
      if (next === undefined) break;
      this._queuedBytes -= next[0].length;
      this._deliver(next[0], next[1]);
    }
  }

  private _onError(err: NodeJS.ErrnoException): void {
    if (err.code === "ECONNREFUSED") {
      if (this._connected !== undefined) this._refused();
      return;
    }
    if (err.code === "EMSGSIZE") {
      log.warn("Datagram too long for {host}", { host: String(this._host) });
      return;
    }
    log.failure("Error on UDP port {host}", err, { host: String(this._host) }, "error");
  }

  private _refused(): void {
    try {
      this._protocol.connectionRefused();
    } catch (e) {
      log.failure("Unhandled error in connectionRefused", e);
    }
  }

  // --- IUDPTransport -------------------------------------------------------------------------

  /**
   * Sends one datagram: to `addr` on an unconnected port, to the peer on a connected one (`addr`
   * omitted, or equal to the peer). Sending is asynchronous in Node: errors found later are
   * logged, except "port unreachable" on a connected port (see `connectionRefused`).
   *
   * @throws MessageLengthError when `data` is longer than a UDP datagram can be (65507 bytes over
   *   IPv4, 65527 over IPv6).
   * @throws InvalidAddressError when `addr` is missing on an unconnected port, differs from the
   *   peer on a connected one, is a host name rather than an IP address, or is of the wrong
   *   family for the port.
   * @throws InvalidStateError when the port is not listening.
   */
  write(data: Uint8Array, addr?: { host: string; port: number }): void {
    if (this._state !== "listening") throw new InvalidStateError("The UDP port is not listening");
    const max = this._ipv6 ? MAX_UDP6_PAYLOAD : MAX_UDP4_PAYLOAD;
    if (data.length > max) {
      throw new MessageLengthError(`Datagram of ${data.length} bytes is longer than ${max}`);
    }
    const peer = this._connected;
    if (peer !== undefined) {
      if (addr !== undefined && (addr.host !== peer.host || addr.port !== peer.port)) {
        throw new InvalidAddressError(
          `${addr.host}:${addr.port}`,
          "A connected UDP port only writes to its peer",
        );
      }
      this.socket.send(data, (err) => this._sendFailed(err));
      return;
    }
    if (addr === undefined) {
      throw new InvalidAddressError("", "write() on an unconnected UDP port needs an address");
    }
    this._checkHost(addr.host, "write() only accepts IP addresses, not host names");
    this.socket.send(data, addr.port, addr.host, (err) => this._sendFailed(err));
  }

  private _sendFailed(err: Error | null): void {
    if (err !== null && err !== undefined) this._onError(err as NodeJS.ErrnoException);
  }

  private _checkHost(host: string, message: string): void {
    const family = isIP(host);
    if (family === 0) throw new InvalidAddressError(host, message);
    if (family === 4 && this._ipv6) {
      throw new InvalidAddressError(host, "An IPv6 UDP port cannot use an IPv4 address");
    }
    if (family === 6 && !this._ipv6) {
      throw new InvalidAddressError(host, "An IPv4 UDP port cannot use an IPv6 address");
    }
  }

  /**
   * Connects the port to one peer: from now on only its datagrams are delivered, `write` needs no
   * address, and "port unreachable" answers call the protocol's `connectionRefused`. Datagrams
   * written before the Deferred fires are sent once the connection is set up.
   *
   * @returns a Deferred that fires when the socket is connected, or fails with the system error.
   * @throws InvalidAddressError when `host` is not an IP address of the port's family.
   * @throws InvalidStateError when the port is already connected (reconnecting is not supported)
   *   or not listening.
   */
  connect(host: string, port: number): Deferred<void> {
    if (this._state !== "listening") throw new InvalidStateError("The UDP port is not listening");
    if (this._connected !== undefined) {
      throw new InvalidStateError("Already connected; reconnecting is not supported");
    }
    this._checkHost(host, "connect() only accepts IP addresses, not host names");
    const d = new Deferred<void>();
    this._connected = { host, port };
    this.socket.connect(port, host, (err?: Error) => {
      if (err) {
        this._connected = undefined;
        d.errback(err);
      } else {
        d.callback(undefined);
      }
    });
    return d;
  }

  /** The address the port is bound to (with the port the system picked for port 0). */
  getHost(): IPv4Address | IPv6Address {
    if (this._host === undefined) throw new InvalidStateError("The UDP port is not bound yet");
    return this._host;
  }

  /**
   * Stops delivering datagrams until {@link resumeProducing}. Datagrams arriving meanwhile are
   * kept, up to the socket's receive buffer size in bytes; beyond that they are dropped.
   */
  pauseProducing(): void {
    this._paused = true;
  }

  /** Delivers the datagrams kept while paused (on a later turn), then new ones as they come. */
  resumeProducing(): void {
    this._paused = false;
    if (this._queue.length > 0 && !this._flushScheduled && this._state === "listening") {
      this._flushScheduled = true;
      this.reactor.callLater(0, () => this._flush());
    }
  }

  /**
   * Closes the socket, then calls the protocol's `doStop`. Datagrams kept while paused are
   * dropped. Calling it again returns a Deferred for the same stop.
   *
   * @returns a Deferred that fires once the socket is closed and `doStop` has run.
   */
  stopListening(): Deferred<void> {
    if (this._state === "stopped") return succeed(undefined);
    const d = new Deferred<void>();
    this._stopWaiters.push(d);
    if (this._state === "stopping") return d;
    this._state = "stopping";
    this._queue = [];
    this._queuedBytes = 0;
    this.reactor.untrackPort(this);
    this.socket.close(() => {
      this._state = "stopped";
      try {
        this._protocol.doStop();
      } catch (e) {
        log.failure("Unhandled error in the datagram protocol's doStop", e);
      }
      const waiters = this._stopWaiters;
      this._stopWaiters = [];
      for (const w of waiters) w.callback(undefined);
    });
    return d;
  }
}

/**
 * A UDP port with multicast controls: the {@link IMulticastTransport} of `listenMulticast`.
 * Group and interface arguments may be host names; they are resolved with the reactor's resolver.
 *
 * @internal users see it as `IMulticastTransport`.
 */
export class MulticastPort extends UDPPort implements IMulticastTransport {
  /**
   * Joins the multicast group `address` on the interface whose address is `iface` (default: the
   * system's choice).
   *
   * @returns a Deferred that fails with `MulticastJoinError` (its `cause` the system error).
   */
  joinGroup(address: string, iface = ""): Deferred<void> {
    return this._membership(address, iface, true);
  }

  /**
   * Leaves the multicast group `address` on `iface`.
   *
   * @returns a Deferred that fails with `MulticastJoinError` (e.g. when not a member).
   */
  leaveGroup(address: string, iface = ""): Deferred<void> {
    return this._membership(address, iface, false);
  }

  /**
   * Sets the time-to-live (hop limit) of outgoing multicast datagrams.
   *
   * @throws RangeError when `ttl` is not an integer from 0 to 255.
   */
  setTTL(ttl: number): void {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) {
      throw new RangeError(`A multicast TTL is an integer from 0 to 255, not ${ttl}`);
    }
    this.socket.setMulticastTTL(ttl);
  }

  /** Whether multicast datagrams sent by this host are delivered back to it (default: true). */
  setLoopbackMode(enabled: boolean): void {
    this.socket.setMulticastLoopback(Boolean(enabled));
  }

  /**
   * Sets the interface (by its address) outgoing multicast datagrams leave from.
   *
   * @returns a Deferred that fails with the system error when the interface is not usable.
   */
  setOutgoingInterface(iface: string): Deferred<void> {
    return this._resolve(iface).addCallback((address) => {
      this.socket.setMulticastInterface(address);
    });
  }

  private _membership(group: string, iface: string, join: boolean): Deferred<void> {
    return this._resolve(group)
      .addCallback((groupAddress) =>
        this._resolve(iface).addCallback((ifaceAddress) => {
          const chosen = ifaceAddress === "" ? undefined : ifaceAddress;
          if (join) this.socket.addMembership(groupAddress, chosen);
          else this.socket.dropMembership(groupAddress, chosen);
        }),
      )
      .addErrback((f) => {
        throw new MulticastJoinError(group, iface, { cause: f.value });
      });
  }

  /** `name` itself when it is an IP address (or empty), else what the reactor resolves it to. */
  private _resolve(name: string): Deferred<string> {
    if (name === "" || isIP(name) !== 0) return succeed(name);
    return this.reactor.resolve(name);
  }
}

/**
 * Binds a UDP port on `iface` (default: every IPv4 interface; an address with `:` makes an IPv6
 * port) and gives its transport to `protocol`. Datagrams longer than `maxPacketSize` are
 * truncated to it.
 *
 * @returns a Deferred of the transport, failing with `CannotListenError`.
 * @throws RangeError when `maxPacketSize` is not a positive integer.
 */
export function listenUDP(
  reactor: IReactorInternals,
  port: number,
  protocol: IDatagramProtocol,
  iface = "",
  maxPacketSize = DEFAULT_MAX_PACKET_SIZE,
): Deferred<IUDPTransport> {
  return new UDPPort(reactor, port, protocol, iface, maxPacketSize, false).startListening();
}

/**
 * Like {@link listenUDP}, with multicast controls. With `listenMultiple`, the socket sets
 * `SO_REUSEADDR` so that several sockets (and processes) can listen on the same port and each
 * receive the groups' datagrams.
 *
 * @returns a Deferred of the transport, failing with `CannotListenError`.
 */
export function listenMulticast(
  reactor: IReactorInternals,
  port: number,
  protocol: IDatagramProtocol,
  iface = "",
  maxPacketSize = DEFAULT_MAX_PACKET_SIZE,
  listenMultiple = false,
): Deferred<IMulticastTransport> {
  return new MulticastPort(
    reactor,
    port,
    protocol,
    iface,
    maxPacketSize,
    listenMultiple,
  ).startListening();
}
