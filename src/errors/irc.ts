/**
 * The errors of the IRC client (`braid/protocols` `IRCClient`): a line from the server that is
 * not an IRC message, a server that refused the connection password, a message too long to
 * send, and a `MODE` string that cannot be read.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/** A line received from an IRC server is not a well-formed IRC message (empty, no command). */
export class IRCBadMessage extends BraidError {
  constructor(message = "Malformed IRC message", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(IRCBadMessage, "ERR_IRC_BAD_MESSAGE");

/** The server answered the registration with `ERR_PASSWDMISMATCH` (464): the password is wrong. */
export class IRCPasswordMismatch extends BraidError {
  constructor(message = "Password incorrect", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(IRCPasswordMismatch, "ERR_IRC_PASSWORD_MISMATCH");

/** A message cannot be sent: the length limit given is too small for the command's prefix. */
export class IRCMessageLengthError extends BraidError {
  constructor(
    message = "The maximum length is too small for this IRC message",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(IRCMessageLengthError, "ERR_IRC_MESSAGE_LENGTH");

/** A `MODE` string cannot be read: empty, no `+`/`-` first, or parameters that do not match. */
export class IRCBadModes extends BraidError {
  constructor(message = "Malformed IRC mode string", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(IRCBadModes, "ERR_IRC_BAD_MODES");
