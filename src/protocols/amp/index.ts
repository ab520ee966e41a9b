/**
 * AMP, the Asynchronous Messaging Protocol: request/response commands over one connection in
 * both directions, wire-compatible with Twisted's `twisted.protocols.amp`.
 *
 * Declare commands once with {@link command}; `callRemote` and `responder` are typed from the
 * declaration. `AMP.startTLS` / `AMP.serveTLS` switch a connection to TLS with Twisted's
 * `StartTLS` command. Errors are in `braid/errors` (`RemoteAmpError`, `UnknownRemoteError`,
 * `UnhandledCommand`, `TooLong`, …).
 *
 * @example
 * ```ts
 * import { AMP, command, Integer } from "braid/protocols";
 *
 * const Sum = command("Sum", { arguments: { a: Integer, b: Integer }, response: { total: Integer } });
 *
 * const server = new AMP().responder(Sum, ({ a, b }) => ({ total: a + b }));
 * const { total } = await client.callRemote(Sum, { a: 1, b: 2 });
 * ```
 *
 * @module
 */
export {
  type AnyArgument,
  type Argument,
  argument,
  BigInteger,
  Bool,
  Boolean,
  Bytes,
  DateTime,
  Decimal,
  Float,
  Integer,
  ListOf,
  optional,
  Path,
  parsePythonFloat,
  pythonFloatRepr,
  String,
  Unicode,
  type ValueOf,
} from "./argtypes.js";
export {
  type AmpBox,
  BoxParser,
  type BoxParserLimits,
  BoxWriter,
  DEFAULT_MAX_BOX_SIZE,
  DEFAULT_MAX_KEYS,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  parseBoxes,
  serializeBox,
} from "./box.js";
export {
  type AnyCommand,
  type ArgumentsOf,
  type CallArgs,
  type CallResult,
  type Command,
  type CommandDeclaration,
  command,
  type ErrorClass,
  type ErrorMap,
  type ResponseOf,
} from "./command.js";
export {
  AMP,
  type AMPOptions,
  ANSWER,
  ASK,
  COMMAND,
  CommandLocator,
  ERROR,
  ERROR_CODE,
  ERROR_DESCRIPTION,
  type Responder,
  type ResponderEntry,
  UNHANDLED_ERROR_CODE,
  UNKNOWN_ERROR_CODE,
} from "./protocol.js";
export { AmpList, type Schema, type Simplify, type ValuesOf } from "./schema.js";
