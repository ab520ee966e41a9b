/**
 * The reactor area's public API: the {@link Reactor} class and the shared `reactor`, the
 * life-cycle base {@link ReactorCore}, {@link react}, name resolution, datagram protocols, and
 * the reactor's contracts (`IReactorCore`, `IReactorTCP`, `IReactorUDP`, …).
 *
 * The functions that implement each kind of transport (`listenTCP`, `listenUDP`, …) are not
 * exported from here: call them as methods of a reactor.
 *
 * @module
 */
export { ReactorCore } from "./core.js";
export { DatagramProtocol } from "./datagram.js";
export { PRIME_HEAP_BYTES, primeHeap } from "./heap.js";
export type {
  BindAddress,
  IDatagramProtocol,
  IListeningPort,
  IMulticastTransport,
  IReactor,
  IReactorCore,
  IReactorMulticast,
  IReactorPluggableResolver,
  IReactorProcess,
  IReactorSSL,
  IReactorTCP,
  IReactorThreads,
  IReactorUDP,
  IReactorUNIX,
  IResolver,
  ITLSTransport,
  IUDPTransport,
  ResolvedAddress,
  SystemEvent,
  SystemEventPhase,
  TLSClientOptions,
  TLSServerOptions,
  TriggerID,
} from "./interfaces.js";
export { react } from "./react.js";
export { Reactor, reactor } from "./reactor.js";
export { DEFAULT_RESOLVE_TIMEOUT, type LookupFunction, SystemResolver } from "./resolver.js";
