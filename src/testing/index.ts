/**
 * `braid/testing`: test doubles for code built on Braid, documented and supported like the rest
 * of the product.
 *
 * - `StringTransport` / `StringTransportWithDisconnection`: record what a protocol writes.
 * - `AccumulatingProtocol`: records what a transport delivers.
 * - `MemoryReactor` / `MemoryReactorClock`: record ports and connections, with fake ports,
 *   connectors and resolver; the latter is also a deterministic clock.
 * - `FakeTransport`, `IOPump`, `connectedServerAndClient`: two protocols talking in memory, with
 *   backpressure, closes, and bytes cut at chosen boundaries.
 * - `Clock`, `captureLogEvents`, `collectEvents`: time and logging under the test's control.
 *
 * @module
 */

export { captureLogEvents, collectEvents, type EventCollector } from "../logger/capture.js";
export { Clock } from "../time/clock.js";
export { type AccumulatingFactoryHook, AccumulatingProtocol } from "./accumulating.js";
export { FakeTransport, type FakeTransportOptions } from "./faketransport.js";
export {
  type ConnectedServerAndClient,
  type ConnectedServerAndClientOptions,
  connectedServerAndClient,
  IOPump,
  type IOPumpOptions,
  type ProtocolSource,
  type SplitFunction,
} from "./iosim.js";
export {
  type ConnectorState,
  FakeConnector,
  FakeListeningPort,
  FakeUDPTransport,
  MemoryResolver,
  type SentDatagram,
} from "./memoryports.js";
export {
  MemoryReactor,
  MemoryReactorClock,
  type MemoryReactorOptions,
  type SSLClientRecord,
  type SSLServerRecord,
  type TCPClientRecord,
  type TCPServerRecord,
  type TriggerRecord,
  type UDPPortRecord,
  type UNIXClientRecord,
  type UNIXServerRecord,
} from "./memoryreactor.js";
export { assertNoResult, failureResultOf, successResultOf } from "./results.js";
export {
  type ProducerState,
  StringTransport,
  type StringTransportOptions,
  StringTransportWithDisconnection,
  type WriteBufferLimits,
} from "./stringtransport.js";
