/**
 * HAProxy's PROXY protocol (v1 and v2) for servers behind a load balancer, after Twisted's
 * `twisted.protocols.haproxy`: {@link HAProxyWrappingFactory} and the `haproxy:` endpoint type
 * (registered when this module loads); and, for a Braid proxy in front of such servers,
 * {@link formatV1Header} / {@link formatV2Header} to send one. Errors (`InvalidProxyHeader`,
 * `InvalidNetworkProtocol`, `MissingAddressData`) are in `src/errors/haproxy.ts`.
 *
 * @module
 */
export { HAProxyServerEndpoint, proxyEndpoint, registerHAProxyEndpoint } from "./endpoint.js";
export { formatV1Header, formatV2Header } from "./format.js";
export type { FeedResult, ProxyInfo } from "./info.js";
export { parseV1Header, V1_MAX_LENGTH, V1Parser } from "./v1parser.js";
export { parseV2Header, V2_FIXED_LENGTH, V2_SIGNATURE, V2Parser } from "./v2parser.js";
export { HAProxyProtocolWrapper, HAProxyTransport, HAProxyWrappingFactory } from "./wrapper.js";
