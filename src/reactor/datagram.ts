/**
 * `DatagramProtocol`: the base class of protocols that handle UDP datagrams.
 *
 * A datagram protocol is given to `listenUDP` / `listenMulticast` itself (there is no factory, as
 * there is no connection to build a protocol for). Like a stream protocol it never touches a
 * socket: it reads datagrams from `datagramReceived` and answers through `this.transport`.
 *
 * @module
 */

import { InvalidStateError } from "../errors/errors.js";
import type { IPv4Address, IPv6Address } from "../protocol/address.js";
import type { IDatagramProtocol, IUDPTransport } from "./interfaces.js";

/**
 * Base class for datagram protocols (Twisted's `DatagramProtocol`): keeps the transport, counts
 * the ports it listens on, and ignores every event it is not told how to handle.
 *
 * Life cycle: the port calls {@link makeConnection} once it is bound, which calls
 * {@link doStart}, which calls {@link startProtocol} if the protocol was not listening on any
 * port yet; when the port stops, {@link doStop} calls {@link stopProtocol} once the last port
 * is gone.
 *
 * @example
 * ```ts
 * class Echo extends DatagramProtocol {
 *   override datagramReceived(data: Uint8Array, addr: IPv4Address | IPv6Address): void {
 *     this.transport!.write(data, addr);
 *   }
 * }
 * const port = await reactor.listenUDP(9999, new Echo(), "127.0.0.1");
 * ```
 */
export class DatagramProtocol<Tr extends IUDPTransport = IUDPTransport>
  implements IDatagramProtocol
{
  /** The transport of the port listening now; `null` before `makeConnection` and after `doStop`. */
  transport: Tr | null = null;

  /** How many ports this protocol listens on now. */
  numPorts = 0;

  /**
   * Called by the port once it is bound: sets {@link transport} and calls {@link doStart}.
   *
   * @throws InvalidStateError when the protocol already has a transport.
   */
  makeConnection(transport: IUDPTransport): void {
    if (this.transport !== null) {
      throw new InvalidStateError("This datagram protocol already has a transport");
    }
    this.transport = transport as Tr;
    this.doStart();
  }

  /** Counts one more port; calls {@link startProtocol} for the first one. Not to be overridden. */
  doStart(): void {
    if (this.numPorts === 0) this.startProtocol();
    this.numPorts++;
  }

  /**
   * Called by the port when it has stopped: forgets the transport and calls
   * {@link stopProtocol} when no port is left.
   *
   * @throws InvalidStateError when no port is listening.
   */
  doStop(): void {
    if (this.numPorts <= 0) throw new InvalidStateError("doStop without a matching doStart");
    this.numPorts--;
    this.transport = null;
    if (this.numPorts === 0) this.stopProtocol();
  }

  /** The protocol starts listening (on its first port). Override to send a first datagram, start timers… */
  startProtocol(): void {}

  /** The protocol stopped listening (on its last port). Override to clean up. */
  stopProtocol(): void {}

  /**
   * A datagram arrived from `addr`. `data` holds at most the port's `maxPacketSize` bytes (a
   * longer datagram is truncated). Override it; the default discards the datagram. An exception
   * thrown here is logged by the port, which goes on listening.
   */
  datagramReceived(_data: Uint8Array, _addr: IPv4Address | IPv6Address): void {}

  /**
   * On a connected port only: the peer's host answered a datagram with ICMP "port unreachable"
   * (nothing listens there). Override it; the default ignores it. The port stays open.
   */
  connectionRefused(): void {}
}
