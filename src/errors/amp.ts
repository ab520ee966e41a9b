/**
 * The errors of AMP, the Asynchronous Messaging Protocol (`braid/protocols` → `amp`).
 *
 * They mirror Twisted's `twisted.protocols.amp` exceptions: {@link RemoteAmpError} carries an
 * error code and description across the wire, {@link UnknownRemoteError} is what a caller gets
 * for an error the command did not declare (code `UNKNOWN`), {@link UnhandledCommand} for a
 * command the peer has no responder for (code `UNHANDLED`). The others report local mistakes
 * and malformed input.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/** Base class of every AMP error. */
export class AmpError extends BraidError {
  constructor(message = "AMP error", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(AmpError, "ERR_AMP");

/**
 * An error that travels over the wire as an `_error` box: `errorCode` is the `_error_code`
 * value, `description` the `_error_description`. A responder may throw one directly to answer
 * with any code; when `fatal` is true the connection is closed after the error is sent.
 *
 * @example
 * ```ts
 * amp.responder(Fetch, () => {
 *   throw new RemoteAmpError("NOT_FOUND", "no such item");
 * });
 * ```
 */
export class RemoteAmpError extends AmpError {
  /** The `_error_code` on the wire (`"UNKNOWN"`, `"UNHANDLED"`, a declared code…). */
  readonly errorCode: string;
  /** The `_error_description` on the wire. */
  readonly description: string;
  /** Whether sending this error closes the connection. */
  readonly fatal: boolean;

  constructor(errorCode: string, description: string, fatal = false, options?: ErrorOptions) {
    super(`Code<${errorCode}>: ${description}`, options);
    this.errorCode = errorCode;
    this.description = description;
    this.fatal = fatal;
  }
}
withCode(RemoteAmpError, "ERR_AMP_REMOTE");

/**
 * The peer answered with an error code the command does not declare: usually `UNKNOWN`, for an
 * error its responder did not declare (the peer then also closes the connection, as Twisted
 * does). `errorCode` is the code received.
 */
export class UnknownRemoteError extends RemoteAmpError {
  constructor(description = "Unknown Error", errorCode = "UNKNOWN", options?: ErrorOptions) {
    super(errorCode, description, false, options);
  }
}
withCode(UnknownRemoteError, "ERR_AMP_UNKNOWN_REMOTE");

/** The peer has no responder for the command that was called (code `UNHANDLED`). */
export class UnhandledCommand extends AmpError {
  /** The peer's description, e.g. `Unhandled Command: b'Sum'`. */
  readonly description: string;

  constructor(description = "Unhandled command", options?: ErrorOptions) {
    super(description, options);
    this.description = description;
  }
}
withCode(UnhandledCommand, "ERR_AMP_UNHANDLED_COMMAND");

/**
 * A key or value is longer than the wire format allows: keys at most 255 bytes, values at most
 * 65535. `isLocal` tells whether it was being sent (`true`) or was received.
 */
export class TooLong extends AmpError {
  /** A key (`true`) or a value (`false`). */
  readonly isKey: boolean;
  /** Found while encoding (`true`) or while parsing received bytes (`false`). */
  readonly isLocal: boolean;
  /** The length found, in bytes. */
  readonly length: number;
  /** For a value, the key it belongs to. */
  readonly keyName: string | undefined;

  constructor(isKey: boolean, isLocal: boolean, length: number, keyName?: string) {
    super(
      `${isLocal ? "local" : "remote"} ${isKey ? "key" : `value ${JSON.stringify(keyName ?? "")}`} too long: ${length}`,
    );
    this.isKey = isKey;
    this.isLocal = isLocal;
    this.length = length;
    this.keyName = keyName;
  }
}
withCode(TooLong, "ERR_AMP_TOO_LONG");

/**
 * A received box is larger than the protocol's configured limits (`maxBoxSize` bytes or
 * `maxKeys` keys). The connection is dropped.
 */
export class AmpLimitExceeded extends AmpError {
  constructor(message = "AMP box exceeds the configured limits", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(AmpLimitExceeded, "ERR_AMP_LIMIT_EXCEEDED");

/**
 * The bytes received do not follow the AMP protocol: an empty box, a box that is neither a
 * command nor an answer, an answer to a question never asked, a truncated nested box. The
 * connection is dropped.
 */
export class MalformedAmpBox extends AmpError {
  constructor(message = "Malformed AMP box", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(MalformedAmpBox, "ERR_AMP_MALFORMED_BOX");

/** Boxes may not be empty: one was received, or was about to be sent. */
export class NoEmptyBoxes extends MalformedAmpBox {
  constructor(message = "Empty AMP boxes are not allowed", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(NoEmptyBoxes, "ERR_AMP_NO_EMPTY_BOXES");

/** `callRemote` was given arguments that do not match the command: a missing or unknown one. */
export class InvalidSignature extends AmpError {
  constructor(message = "Invalid arguments for the command", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(InvalidSignature, "ERR_AMP_INVALID_SIGNATURE");

/**
 * A value cannot be encoded by its argument type (a fraction for `Integer`, a naive value for
 * `DateTime`), or received bytes cannot be decoded (`"yes"` for `Boolean`, bad UTF-8 for
 * `Unicode`).
 */
export class AmpValueError extends AmpError {
  constructor(message = "Bad AMP argument value", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(AmpValueError, "ERR_AMP_BAD_VALUE");

/**
 * A responder returned a result its command's response cannot serialize; the peer is answered
 * with `UNKNOWN` and the problem is logged. `cause` holds the serialization error.
 */
export class BadLocalReturn extends AmpError {
  constructor(
    message = "A responder returned a value that cannot be serialized",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(BadLocalReturn, "ERR_AMP_BAD_LOCAL_RETURN");
