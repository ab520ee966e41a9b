/**
 * The errors of the PROXY protocol wrapper (`HAProxyWrappingFactory`): a connection that did
 * not start with a valid PROXY protocol header is dropped with one of these, logged.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/** The bytes at the start of a connection are not a valid PROXY protocol (v1 or v2) header. */
export class InvalidProxyHeader extends BraidError {
  constructor(message = "Invalid PROXY protocol header", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(InvalidProxyHeader, "ERR_INVALID_PROXY_HEADER");

/** A PROXY header names a network protocol or address family that is not supported. */
export class InvalidNetworkProtocol extends InvalidProxyHeader {
  constructor(message = "Invalid network protocol in PROXY header", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(InvalidNetworkProtocol, "ERR_INVALID_NETWORK_PROTOCOL");

/** A PROXY header lacks an address or port, or has a malformed one. */
export class MissingAddressData extends InvalidProxyHeader {
  constructor(
    message = "Missing or malformed address data in PROXY header",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(MissingAddressData, "ERR_MISSING_ADDRESS_DATA");
