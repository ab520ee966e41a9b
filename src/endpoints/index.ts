/**
 * `braid/endpoints`: where to listen and where to connect, as objects or as description strings.
 *
 * @module
 */
export type { ClientParser, EndpointReactor, ServerParser } from "./builders.js";
export {
  HostnameAddress,
  HostnameEndpoint,
  type HostnameEndpointOptions,
  type HostnameEndpointReactor,
} from "./hostname.js";
export type { IStreamClientEndpoint, IStreamServerEndpoint } from "./interfaces.js";
export {
  clientFromString,
  registerClientParser,
  registerServerParser,
  serverFromString,
} from "./parser.js";
export { SSL4ClientEndpoint, SSL4ServerEndpoint } from "./ssl.js";
export {
  type IntRange,
  Params,
  type ParsedDescription,
  parseDescription,
  quoteStringArgument,
} from "./syntax.js";
export {
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
  type TCPClientOptions,
  type TCPServerOptions,
} from "./tcp.js";
export {
  UNIXClientEndpoint,
  type UNIXClientOptions,
  UNIXServerEndpoint,
  type UNIXServerOptions,
} from "./unix.js";
export { connectProtocol } from "./wrapping.js";
