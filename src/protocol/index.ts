/**
 * `braid/protocol`: the protocol/transport contract, `Protocol`, the factories and addresses.
 *
 * @module
 */
export {
  type Address,
  type IPAddressType,
  IPv4Address,
  IPv6Address,
  ipAddress,
  UNIXAddress,
} from "./address.js";
export {
  ClientFactory,
  Factory,
  type ProtocolClass,
  ReconnectingClientFactory,
  type ReconnectOptions,
  ServerFactory,
} from "./factory.js";
export {
  type IClientFactory,
  type IConnector,
  type IHalfCloseableProtocol,
  type IProtocol,
  type IProtocolFactory,
  type ITCPTransport,
  type ITransport,
  isHalfCloseable,
} from "./interfaces.js";
export { Protocol } from "./protocol.js";
