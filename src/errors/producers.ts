/**
 * Errors of the ready-made producers and consumers (`braid/producers`) and of the port
 * forwarder (`braid/protocols` `portforward`). The lead re-exports them from `braid/errors`.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/**
 * The consumer called `stopProducing()` before the producer was done: the rest of the data is not
 * wanted. The Deferred of a `FileSender` transfer or of a `CooperativeProducer` fails with it.
 */
export class ProducerStopped extends BraidError {
  constructor(message = "Consumer asked us to stop producing", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ProducerStopped, "ERR_PRODUCER_STOPPED");

/**
 * A bounded buffer would have grown past its limit: a producer kept writing after it was paused,
 * or a peer kept sending while its reading was paused.
 */
export class BufferOverflow extends BraidError {
  /** The limit that was exceeded, in bytes, when known. */
  readonly limit: number | undefined;

  constructor(limit?: number, message?: string, options?: ErrorOptions) {
    super(
      message ??
        (limit === undefined ? "Buffer limit exceeded" : `Buffer limit of ${limit} bytes exceeded`),
      options,
    );
    this.limit = limit;
  }
}
withCode(BufferOverflow, "ERR_BUFFER_OVERFLOW");
