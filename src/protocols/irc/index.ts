/**
 * IRC: the client protocol (`IRCClient`), its message parser, mode strings and CTCP helpers,
 * after Twisted's `twisted.words.protocols.irc`. Errors (`IRCBadMessage`, `IRCPasswordMismatch`,
 * `IRCMessageLengthError`, `IRCBadModes`) are in `src/errors/irc.ts`.
 *
 * @module
 */
export { IRCClient } from "./client.js";
export { IRCConnection, type IRCHandler } from "./connection.js";
export {
  type CTCPExtracted,
  type CTCPMessage,
  ctcpDequote,
  ctcpExtract,
  ctcpQuote,
  ctcpStringify,
  X_DELIM,
  X_QUOTE,
} from "./ctcp.js";
export {
  byteLength,
  CHANNEL_PREFIXES,
  formatMessage,
  type IRCMessage,
  ircEquals,
  ircLower,
  lowDequote,
  lowQuote,
  MAX_COMMAND_LENGTH,
  nickOf,
  parseMessage,
  splitText,
} from "./message.js";
export { type ModeChange, type ParamModes, parseModes } from "./modes.js";
export { numericToSymbolic, symbolicName, symbolicToNumeric } from "./numerics.js";
export { type ChannelModes, ServerSupportedFeatures } from "./support.js";
