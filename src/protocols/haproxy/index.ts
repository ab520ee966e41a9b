/**
 * HAProxy's PROXY protocol (v1 and v2) for servers behind a load balancer, after Twisted's
 * `twisted.protocols.haproxy`: {@link HAProxyWrappingFactory} and the `haproxy:` endpoint type
 * (registered when this module loads). Errors (`InvalidProxyHeader`, `InvalidNetworkProtocol`,
 * `MissingAddressData`) are in `src/errors/haproxy.ts`.
 *
 * @module
 */
export { HAProxyServerEndpoint, proxyEndpoint, registerHAProxyEndpoint } from "./endpoint.js";
export type { FeedResult, ProxyInfo } from "./info.js";
export { parseV1Header, V1_MAX_LENGTH, V1Parser } from "./v1parser.js";
export { parseV2Header, V2_FIXED_LENGTH, V2_SIGNATURE, V2Parser } from "./v2parser.js";
export { HAProxyProtocolWrapper, HAProxyTransport, HAProxyWrappingFactory } from "./wrapper.js";
