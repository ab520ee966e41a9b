/**
 * Braid's error classes.
 *
 * Every error Braid raises is a {@link BraidError}: it has a fixed `name`, a stable `code`
 * (`ERR_CANCELLED`, `ERR_TIMEOUT`, …) that programs can switch on, and `cause` when it wraps
 * another error. Areas add their own subclasses here so that users import every error from one
 * place (`braid/errors`).
 *
 * @module
 */

/**
 * Base class of every error Braid raises.
 *
 * @example
 * ```ts
 * try { d.callback(1); } catch (e) {
 *   if (e instanceof BraidError && e.code === "ERR_ALREADY_CALLED") { ... }
 * }
 * ```
 */
export class BraidError extends Error {
  /** A stable, machine-readable code; never changes between releases. */
  readonly code: string = "ERR_BRAID";

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Defines `code` on a subclass's prototype so instances carry it without a per-instance field. */
function withCode<C extends abstract new (...args: never[]) => BraidError>(
  cls: C,
  code: string,
): C {
  Object.defineProperty(cls.prototype, "code", { value: code, enumerable: false, writable: false });
  return cls;
}

// ---------------------------------------------------------------------------------------------
// Deferred

/** A Deferred was fired (`callback` / `errback`) a second time. */
export class AlreadyCalledError extends BraidError {}
withCode(AlreadyCalledError, "ERR_ALREADY_CALLED");

/** An operation was cancelled, usually through `Deferred.cancel()`. */
export class CancelledError extends BraidError {
  constructor(message = "The operation was cancelled", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(CancelledError, "ERR_CANCELLED");

/** An operation did not complete within its time limit (`Deferred.addTimeout`). */
export class TimeoutError extends BraidError {
  /** The limit that was exceeded, in seconds, when known. */
  readonly timeout: number | undefined;

  constructor(timeout?: number, message?: string, options?: ErrorOptions) {
    super(
      message ??
        (timeout === undefined
          ? "Timed out"
          : `Timed out after ${timeout} second${timeout === 1 ? "" : "s"}`),
      options,
    );
    this.timeout = timeout;
  }
}
withCode(TimeoutError, "ERR_TIMEOUT");

/**
 * The first failure among several Deferreds (`DeferredList` with `fireOnOneErrback`,
 * `gatherResults`). `failure` is the original failure and `index` the position of the Deferred
 * that produced it; `cause` is the original error value.
 */
export class FirstError extends BraidError {
  /** The failure of the first Deferred that failed. Typed loosely to keep this module at the bottom layer. */
  readonly failure: { readonly value: unknown; getErrorMessage(): string };
  /** The index of that Deferred in the input list. */
  readonly index: number;

  constructor(failure: { readonly value: unknown; getErrorMessage(): string }, index: number) {
    super(`FirstError[#${index}, ${failure.getErrorMessage()}]`, { cause: failure.value });
    this.failure = failure;
    this.index = index;
  }
}
withCode(FirstError, "ERR_FIRST_ERROR");

/** A `DeferredQueue` is full: no more pending values (size) or waiters (backlog) are accepted. */
export class QueueOverflow extends BraidError {}
withCode(QueueOverflow, "ERR_QUEUE_OVERFLOW");

/** A `DeferredQueue` has too many waiting `get()` calls. */
export class QueueUnderflow extends BraidError {}
withCode(QueueUnderflow, "ERR_QUEUE_UNDERFLOW");

// ---------------------------------------------------------------------------------------------
// Time

/** `cancel()` / `reset()` / `delay()` on a delayed call that has already run. */
export class AlreadyCalled extends BraidError {}
withCode(AlreadyCalled, "ERR_DELAYED_CALL_ALREADY_CALLED");

/** `cancel()` / `reset()` / `delay()` on a delayed call that was already cancelled. */
export class AlreadyCancelled extends BraidError {}
withCode(AlreadyCancelled, "ERR_DELAYED_CALL_ALREADY_CANCELLED");

// ---------------------------------------------------------------------------------------------
// Connections

/**
 * Base of the reasons a connection ends or fails to start, given to `connectionLost` and to
 * `clientConnectionFailed` wrapped in a `Failure`.
 */
export class ConnectionError extends BraidError {}
withCode(ConnectionError, "ERR_CONNECTION");

/** The connection was closed cleanly (by either side, after all data was exchanged). */
export class ConnectionDone extends ConnectionError {
  constructor(message = "Connection was closed cleanly", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectionDone, "ERR_CONNECTION_DONE");

/** The connection was lost in a non-clean way; `cause` holds the system error when there is one. */
export class ConnectionLost extends ConnectionError {
  constructor(
    message = "Connection to the other side was lost in a non-clean fashion",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(ConnectionLost, "ERR_CONNECTION_LOST");

/** The connection was aborted by this side (`abortConnection`). */
export class ConnectionAborted extends ConnectionLost {
  constructor(message = "Connection was aborted locally", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectionAborted, "ERR_CONNECTION_ABORTED");

/** The peer reset the connection (`ECONNRESET`). */
export class ConnectionResetError extends ConnectionLost {
  constructor(message = "Connection was reset by the peer", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectionResetError, "ERR_CONNECTION_RESET");

/** A connection attempt failed; subclasses say why. `cause` holds the system error. */
export class ConnectError extends ConnectionError {
  constructor(message = "An error occurred while connecting", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectError, "ERR_CONNECT");

/** Nothing listens at the address (`ECONNREFUSED`). */
export class ConnectionRefusedError extends ConnectError {
  constructor(message = "Connection was refused by the other side", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectionRefusedError, "ERR_CONNECTION_REFUSED");

/** The connection attempt did not complete in time. */
export class ConnectTimeoutError extends ConnectError {
  constructor(message = "The connection attempt timed out", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ConnectTimeoutError, "ERR_CONNECT_TIMEOUT");

/** The host name could not be resolved. */
export class DNSLookupError extends ConnectError {
  constructor(message = "DNS lookup failed", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(DNSLookupError, "ERR_DNS_LOOKUP");

/** The user stopped the connection attempt (`stopConnecting`, or cancelling a connect). */
export class UserError extends ConnectError {
  constructor(message = "The connection attempt was stopped by the user", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(UserError, "ERR_CONNECT_STOPPED");

/** The factory's `buildProtocol` returned `null`: the connection was refused by this side. */
export class NoProtocolError extends ConnectError {
  constructor(
    message = "The factory refused the connection (buildProtocol returned null)",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(NoProtocolError, "ERR_NO_PROTOCOL");

/** A TLS handshake or certificate check failed; `cause` holds the TLS error. */
export class TLSError extends ConnectionLost {
  constructor(message = "TLS failure", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TLSError, "ERR_TLS");

/** A port could not be opened for listening (in use, no permission, bad address). */
export class CannotListenError extends BraidError {
  /** The interface the port was to listen on. */
  readonly interface: string;
  /** The port number (or socket path) asked for. */
  readonly port: number | string;

  constructor(iface: string, port: number | string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Couldn't listen on ${iface ? `${iface}:` : ""}${port}${why}`, options);
    this.interface = iface;
    this.port = port;
  }
}
withCode(CannotListenError, "ERR_CANNOT_LISTEN");

/** A method was called in a state where it makes no sense (e.g. a second registered producer). */
export class InvalidStateError extends BraidError {}
withCode(InvalidStateError, "ERR_INVALID_STATE");
