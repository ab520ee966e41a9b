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
  /**
   * A stable, machine-readable code; never changes between releases. Set once per class on its
   * prototype, so instances carry it without a field of their own.
   */
  declare readonly code: string;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * Defines `code` on a class's prototype so instances carry it without a per-instance field.
 * Areas that declare their own error classes use it too.
 */
export function withCode<C extends abstract new (...args: never[]) => BraidError>(
  cls: C,
  code: string,
): C {
  Object.defineProperty(cls.prototype, "code", { value: code, enumerable: false, writable: false });
  return cls;
}

withCode(BraidError, "ERR_BRAID");

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

// ---------------------------------------------------------------------------------------------
// Reactor

/** `stop()` on a reactor that is not running. */
export class ReactorNotRunning extends BraidError {
  constructor(message = "Can't stop a reactor that isn't running", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ReactorNotRunning, "ERR_REACTOR_NOT_RUNNING");

/** `run()` on a reactor that is already running. */
export class ReactorAlreadyRunning extends BraidError {
  constructor(message = "The reactor is already running", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ReactorAlreadyRunning, "ERR_REACTOR_ALREADY_RUNNING");

// ---------------------------------------------------------------------------------------------
// Endpoints

/**
 * A connection attempt made through an endpoint was cancelled (`Deferred.cancel()` on the result
 * of `endpoint.connect`). It is a {@link CancelledError}, so code that only cares about
 * cancellation can check for that; `address` says where the attempt was going, when known.
 */
export class ConnectingCancelledError extends CancelledError {
  /** The destination of the cancelled attempt (an address object), when known. */
  readonly address: unknown;

  constructor(address?: unknown, options?: ErrorOptions) {
    super(
      address === undefined
        ? "The connection attempt was cancelled"
        : `The connection attempt to ${String(address)} was cancelled`,
      options,
    );
    this.address = address;
  }
}
withCode(ConnectingCancelledError, "ERR_CONNECTING_CANCELLED");

/**
 * An endpoint description string (`"tcp:8080:interface=127.0.0.1"`) could not be parsed: unknown
 * type, missing or malformed argument, unknown parameter, unreadable key file. The message names
 * what is wrong; `description` is the string that was given.
 */
export class EndpointParseError extends BraidError {
  /** The description that failed to parse. */
  readonly description: string;

  constructor(description = "", problem = "it is malformed", options?: ErrorOptions) {
    super(`Invalid endpoint description ${JSON.stringify(description)}: ${problem}`, options);
    this.description = description;
  }
}
withCode(EndpointParseError, "ERR_ENDPOINT_SYNTAX");

// ---------------------------------------------------------------------------------------------
// Datagrams and the reactor's life cycle

/**
 * An address is not acceptable where it was given: a host name where an IP address is needed
 * (UDP `write` and `connect`), or an address of the wrong family for the socket.
 */
export class InvalidAddressError extends BraidError {
  /** The address that was refused. */
  readonly address: string;

  constructor(address: string, message = "Invalid address", options?: ErrorOptions) {
    super(`${message}: ${JSON.stringify(address)}`, options);
    this.address = address;
  }
}
withCode(InvalidAddressError, "ERR_INVALID_ADDRESS");

/** A datagram is larger than the system can send (`EMSGSIZE`). */
export class MessageLengthError extends BraidError {
  constructor(message = "Message too long", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(MessageLengthError, "ERR_MESSAGE_LENGTH");

/** Joining (or leaving) a multicast group failed; `cause` holds the system error. */
export class MulticastJoinError extends BraidError {
  /** The group address. */
  readonly group: string;
  /** The interface asked for (`""` for the system's choice). */
  readonly interface: string;

  constructor(group: string, iface: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Couldn't join multicast group ${group}${iface ? ` on ${iface}` : ""}${why}`, options);
    this.group = group;
    this.interface = iface;
  }
}
withCode(MulticastJoinError, "ERR_MULTICAST_JOIN");

/**
 * Ends a program run by `react` with an exit code, without logging an error (Python's
 * `SystemExit`): fail `main`'s result with it, or throw it from `main`.
 */
export class ExitError extends BraidError {
  /** The process exit code to set. */
  readonly exitCode: number;

  constructor(exitCode: number, message?: string, options?: ErrorOptions) {
    super(message ?? `Exit with code ${exitCode}`, options);
    this.exitCode = exitCode;
  }
}
withCode(ExitError, "ERR_EXIT");

// ---------------------------------------------------------------------------------------------
// Framing protocols (braid/protocols)

/**
 * A netstring received by `NetstringReceiver` is malformed: no length, a length with a leading
 * zero or a non-digit, a length above `MAX_LENGTH`, or no comma after the payload. The receiver
 * hands it to its `netstringParseError` hook, which closes the connection by default.
 */
export class NetstringParseError extends BraidError {
  constructor(message = "Malformed netstring", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(NetstringParseError, "ERR_NETSTRING_PARSE");

/**
 * `sendString` was given more bytes than the length prefix of an `Int8StringReceiver`,
 * `Int16StringReceiver` or `Int32StringReceiver` can describe (255, 65535 or 2³² − 1).
 */
export class StringTooLongError extends BraidError {
  /** The length of the string that was refused, in bytes. */
  readonly length: number;
  /** The longest string the prefix can describe, in bytes. */
  readonly maxLength: number;

  constructor(length: number, maxLength: number, options?: ErrorOptions) {
    super(`Cannot send ${length} bytes: the length prefix allows at most ${maxLength}`, options);
    this.length = length;
    this.maxLength = maxLength;
  }
}
withCode(StringTooLongError, "ERR_STRING_TOO_LONG");

// ---------------------------------------------------------------------------------------------
// Cooperative scheduling (`Cooperator`, `CooperativeTask`)

/** A task has completed (it finished, failed or was stopped), so it cannot be paused or stopped. */
export class TaskDone extends BraidError {
  constructor(message = "The task is done", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TaskDone, "ERR_TASK_DONE");

/** The task's iterator was exhausted. */
export class TaskFinished extends TaskDone {
  constructor(message = "The task has finished", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TaskFinished, "ERR_TASK_FINISHED");

/**
 * The task was stopped with `stop()`. Also the failure `whenDone()` gives for a stopped task.
 */
export class TaskStopped extends TaskDone {
  constructor(message = "The task was stopped", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TaskStopped, "ERR_TASK_STOPPED");

/**
 * The task's iterator threw (or a Deferred it yielded failed). `whenDone()` fails with the
 * original error; this is what `pause()` / `stop()` throw afterwards.
 */
export class TaskFailed extends TaskDone {
  constructor(message = "The task failed", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(TaskFailed, "ERR_TASK_FAILED");

/** The Cooperator running the task was stopped; the failure of its tasks' `whenDone()`. */
export class SchedulerStopped extends BraidError {
  constructor(message = "The cooperator was stopped", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(SchedulerStopped, "ERR_SCHEDULER_STOPPED");

/** `resume()` was called on a task that is not paused. */
export class NotPaused extends BraidError {
  constructor(message = "The task is not paused", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(NotPaused, "ERR_NOT_PAUSED");
