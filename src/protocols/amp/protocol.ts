/**
 * `AMP`: the Asynchronous Messaging Protocol, wire-compatible with Twisted's
 * `twisted.protocols.amp.AMP`.
 *
 * Either side may call the other's commands at any time, with any number of calls in flight.
 * A call is a box with `_command` and `_ask` (a tag); the answer carries `_answer` with the same
 * tag and the response values, or `_error` with the tag, `_error_code` and
 * `_error_description`. A command declared with `requiresAnswer: false` is sent without `_ask`
 * and never answered.
 *
 * Behaviour follows Twisted's: a command without a responder is answered with code `UNHANDLED`;
 * a responder error that its command declares is answered with its code (and the connection
 * closed for `fatalErrors`); any other error is logged and answered with `UNKNOWN`, and the
 * connection is closed; a `RemoteAmpError` thrown by a responder is sent as it is. Bad input
 * (a malformed or oversized box, an answer to no question) is logged and the connection
 * dropped. When the connection is lost, every call still waiting fails with the reason.
 *
 * @module
 */

import { Deferred, fail, maybeDeferred } from "../../defer/deferred.js";
import {
  AmpError,
  BadLocalReturn,
  MalformedAmpBox,
  NoEmptyBoxes,
  RemoteAmpError,
  UnhandledCommand,
  UnknownRemoteError,
} from "../../errors/amp.js";
import { InvalidStateError } from "../../errors/errors.js";
import { Failure } from "../../errors/failure.js";
import { Logger } from "../../logger/logger.js";
import { Protocol } from "../../protocol/protocol.js";
import type {
  ITLSTransport,
  TLSClientOptions,
  TLSServerOptions,
} from "../../reactor/interfaces.js";
import { asBuffer } from "../basic/bytes.js";
import { type AmpBox, BoxParser, type BoxParserLimits, BoxWriter } from "./box.js";
import type {
  AnyCommand,
  ArgumentsOf,
  CallArgs,
  CallResult,
  ErrorClass,
  ResponseOf,
} from "./command.js";
import { decodeValues, encodeValues } from "./schema.js";

/** The key of a call's tag. */
export const ASK = "_ask";
/** The key of a successful answer's tag. */
export const ANSWER = "_answer";
/** The key of the command name. */
export const COMMAND = "_command";
/** The key of an error answer's tag. */
export const ERROR = "_error";
/** The key of an error answer's code. */
export const ERROR_CODE = "_error_code";
/** The key of an error answer's description. */
export const ERROR_DESCRIPTION = "_error_description";
/** The code of an error the responder's command did not declare. */
export const UNKNOWN_ERROR_CODE = "UNKNOWN";
/** The code of a call to a command that has no responder. */
export const UNHANDLED_ERROR_CODE = "UNHANDLED";

/** The command name of Twisted's `amp.StartTLS` (its TLS arguments never go on the wire). */
const START_TLS = "StartTLS";

const K_ASK = Buffer.from(ASK, "latin1");
const K_ANSWER = Buffer.from(ANSWER, "latin1");
const K_COMMAND = Buffer.from(COMMAND, "latin1");
const K_ERROR = Buffer.from(ERROR, "latin1");
const K_ERROR_CODE = Buffer.from(ERROR_CODE, "latin1");
const K_ERROR_DESCRIPTION = Buffer.from(ERROR_DESCRIPTION, "latin1");

/**
 * Handles calls of command `C`: receives the decoded arguments and the connection, returns the
 * response values, or a Deferred or Promise of them. Throwing (or failing) answers with an
 * error (see the module notes).
 */
export type Responder<C extends AnyCommand, P extends AMP = AMP> = (
  args: ArgumentsOf<C>,
  amp: P,
) => ResponseOf<C> | PromiseLike<ResponseOf<C>>;

/** A command with its responder, as a locator finds it. */
export interface ResponderEntry {
  readonly command: AnyCommand;
  // biome-ignore lint/suspicious/noExplicitAny: responders of every command
  readonly responder: (args: any, amp: any) => unknown;
}

/**
 * A table of responders that many connections share (Twisted's `CommandLocator`): give it to
 * each `AMP` through the `locator` option.
 *
 * @example
 * ```ts
 * const calculator = new CommandLocator()
 *   .responder(Sum, ({ a, b }) => ({ total: a + b }))
 *   .responder(Divide, ({ numerator, denominator }) => ({ result: numerator / denominator }));
 * const factory = Factory.forProtocol(class extends AMP {
 *   constructor() { super({ locator: calculator }); }
 * });
 * ```
 */
export class CommandLocator {
  readonly #responders = new Map<string, ResponderEntry>();

  /**
   * Registers `fn` to answer `command`, replacing any previous responder for its name.
   *
   * @returns this locator, to chain registrations.
   */
  responder<C extends AnyCommand>(command: C, fn: Responder<C>): this {
    this.#responders.set(command.commandName, { command, responder: fn });
    return this;
  }

  /** The responder registered for the command called `name`, if any. */
  locateResponder(name: string): ResponderEntry | undefined {
    return this.#responders.get(name);
  }
}

/** Options of {@link AMP}. */
export interface AMPOptions extends BoxParserLimits {
  /** Responders shared between connections; the connection's own are looked up first. */
  readonly locator?: CommandLocator;
  /** Where protocol errors and unhandled responder errors are logged. */
  readonly logger?: Logger;
}

interface Pending {
  readonly d: Deferred<unknown>;
  /** `null` for `callRemoteString`: the raw box is the result. */
  readonly command: AnyCommand | null;
}

/** Python's `repr()` of a byte string, as Twisted puts it in `UNHANDLED` descriptions. */
function pyBytesRepr(b: Uint8Array): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let s = `b${quote}`;
  for (const c of b) {
    if (c === 0x5c) s += "\\\\";
    else if (c === 0x09) s += "\\t";
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c === quote.charCodeAt(0)) s += `\\${quote}`;
    else if (c < 0x20 || c >= 0x7f) s += `\\x${c.toString(16).padStart(2, "0")}`;
    else s += String.fromCharCode(c);
  }
  return s + quote;
}

const latin1 = (b: Uint8Array): string => asBuffer(b).toString("latin1");

/**
 * An AMP connection. Register responders for the commands the peer may call, and call the
 * peer's with {@link callRemote}; both sides of a connection are peers.
 *
 * @example
 * ```ts
 * const Sum = command("Sum", {
 *   arguments: { a: Integer, b: Integer },
 *   response: { total: Integer },
 * });
 *
 * // Server: answer Sum on every connection.
 * class Calculator extends AMP {
 *   constructor() {
 *     super();
 *     this.responder(Sum, ({ a, b }) => ({ total: a + b }));
 *   }
 * }
 * await reactor.listenTCP(7001, Factory.forProtocol(Calculator), 50, "127.0.0.1");
 *
 * // Client: call it.
 * const amp = await connectProtocol(clientFromString(reactor, "tcp:127.0.0.1:7001"), new AMP());
 * const { total } = await amp.callRemote(Sum, { a: 1, b: 2 }); // total: number
 * ```
 */
export class AMP extends Protocol {
  /** Where protocol errors and unhandled responder errors are logged. */
  readonly log: Logger;
  readonly #locator: CommandLocator | undefined;
  readonly #own = new CommandLocator();
  readonly #parser: BoxParser;
  #pending: Map<string, Pending> | null = new Map();
  #counter = 0;
  /** Why calls fail from now on: set when the connection is lost or broken. */
  #failReason: Failure | null = null;
  /** A protocol error that will be the reason pending calls fail with. */
  #protocolError: Error | null = null;
  /** What answers the peer's `StartTLS` (see {@link serveTLS}); `null`: it is unhandled. */
  #tlsServer: (() => TLSServerOptions | PromiseLike<TLSServerOptions>) | null = null;
  /**
   * Boxes written while our `StartTLS` waits for its answer: held, then sent once TLS has
   * started (or in clear, if the peer refused). The peer switches as soon as it reads our
   * request, so a box sent in clear after it would reach its TLS layer as garbage.
   */
  #held: Uint8Array[] | null = null;

  constructor(options: AMPOptions = {}) {
    super();
    this.#locator = options.locator;
    this.log = options.logger ?? new Logger("braid.protocols.amp", undefined, this);
    this.#parser = new BoxParser((box) => this.ampBoxReceived(box), options);
  }

  /**
   * Registers `fn` to answer `command` on this connection, replacing any previous one.
   *
   * @returns this protocol, to chain registrations.
   *
   * @example
   * ```ts
   * amp.responder(Sum, ({ a, b }) => ({ total: a + b }))
   *    .responder(Sleep, ({ seconds }) => deferLater(reactor, seconds, () => ({})));
   * ```
   */
  responder<C extends AnyCommand>(command: C, fn: Responder<C, this>): this {
    this.#own.responder(command, fn as Responder<C>);
    return this;
  }

  /**
   * The responder for the command called `name`: this connection's own, then the locator's.
   * Override to route commands another way.
   */
  locateResponder(name: string): ResponderEntry | undefined {
    return this.#own.locateResponder(name) ?? this.#locator?.locateResponder(name);
  }

  /**
   * Calls `command` on the peer.
   *
   * @returns a Deferred of the decoded response, or `undefined` for a command declared with
   *   `requiresAnswer: false`. The Deferred fails with an instance of a declared error class,
   *   `UnknownRemoteError`, `UnhandledCommand`, the reason the connection was lost, or
   *   `InvalidSignature` / `AmpValueError` for arguments that cannot be sent. Cancelling it
   *   makes it fail with `CancelledError`; the answer, when it comes, is ignored.
   * @throws InvalidSignature / AmpValueError for bad arguments of a `requiresAnswer: false`
   *   command (there is no Deferred to fail).
   *
   * @example
   * ```ts
   * amp.callRemote(Sum, { a: 1, b: 2 }).addCallback(({ total }) => console.log(total));
   * ```
   */
  callRemote<C extends AnyCommand>(command: C, ...args: CallArgs<C>): CallResult<C> {
    const values = args[0] ?? {};
    const w = new BoxWriter();
    try {
      encodeValues(command.compiledArguments, values, w, command.commandName, true);
    } catch (e) {
      if (!command.requiresAnswer) throw e;
      return fail(e) as CallResult<C>;
    }
    return this.#send(w, command.nameBytes, command.requiresAnswer, command) as CallResult<C>;
  }

  /**
   * Low-level call: sends the command called `name` with `fields` as they are, and gives the
   * raw answer box (Twisted's `callRemoteString`).
   *
   * @returns a Deferred of the answer box (it still holds `_answer`), or `undefined` when
   *   `requiresAnswer` is false. Error answers fail it with `RemoteAmpError` (code and
   *   description as received) or `UnhandledCommand`.
   */
  callRemoteString(
    name: string,
    fields: Iterable<readonly [string, Uint8Array]> = [],
    requiresAnswer = true,
  ): Deferred<AmpBox> | undefined {
    const w = new BoxWriter();
    for (const [k, v] of fields) w.add(k, v);
    return this.#send(w, Buffer.from(name, "latin1"), requiresAnswer, null) as
      | Deferred<AmpBox>
      | undefined;
  }

  #send(
    w: BoxWriter,
    name: Buffer,
    requiresAnswer: boolean,
    command: AnyCommand | null,
  ): Deferred<unknown> | undefined {
    const pending = this.#pending;
    if (pending === null || this.#failReason !== null) {
      return requiresAnswer ? fail(this.#failReason ?? new AmpError("Connection lost")) : undefined;
    }
    const t = this.transport;
    if (t === null) {
      if (!requiresAnswer)
        throw new InvalidStateError("callRemote() before the connection is made");
      return fail(new InvalidStateError("callRemote() before the connection is made"));
    }
    w.add(K_COMMAND, name);
    const tag = (++this.#counter).toString(16);
    let d: Deferred<unknown> | undefined;
    if (requiresAnswer) {
      w.add(K_ASK, Buffer.from(tag, "latin1"));
      d = new Deferred<unknown>();
      pending.set(tag, { d, command });
    }
    this.#write(w.finish());
    return d;
  }

  /**
   * Sends `box` as it is: no `_ask` or `_command` is added. For protocols built on AMP's
   * framing, and tests.
   *
   * @throws NoEmptyBoxes for a box without pairs; TooLong for a key or value over the limits;
   *   InvalidStateError before the connection is made.
   */
  sendBox(box: Iterable<readonly [string, Uint8Array]>): void {
    const w = new BoxWriter();
    for (const [k, v] of box) w.add(k, v);
    if (w.size === 0) throw new NoEmptyBoxes();
    if (this.transport === null) {
      throw new InvalidStateError("sendBox() before the connection is made");
    }
    this.#write(w.finish());
  }

  /** Parses the bytes into boxes; bad input is logged and drops the connection. */
  override dataReceived(data: Uint8Array): void {
    if (this.#protocolError !== null) return;
    try {
      this.#parser.feed(data);
    } catch (e) {
      this.#broken(e);
    }
  }

  /**
   * A box arrived: an answer, an error answer or a command (checked in that order, as Twisted
   * does). Called by the parser; override to observe boxes.
   *
   * @throws NoEmptyBoxes / MalformedAmpBox for a box that is none of these, or answers a
   *   question that was never asked; the connection is then dropped.
   */
  ampBoxReceived(box: AmpBox): void {
    if (this.#protocolError !== null || this.transport?.disconnecting) return;
    const answer = box.get(ANSWER);
    if (answer !== undefined) {
      this.#answerReceived(latin1(answer), box);
      return;
    }
    const error = box.get(ERROR);
    if (error !== undefined) {
      this.#errorReceived(latin1(error), box);
      return;
    }
    const cmd = box.get(COMMAND);
    if (cmd !== undefined) {
      this.#commandReceived(cmd, box);
      return;
    }
    if (box.size === 0) throw new NoEmptyBoxes("Received an empty AMP box");
    throw new MalformedAmpBox("Received an AMP box with none of _answer, _error, _command");
  }

  #question(tag: string, kind: string): Pending {
    const p = this.#pending?.get(tag);
    if (p === undefined) {
      throw new MalformedAmpBox(`Received an ${kind} for unknown question ${JSON.stringify(tag)}`);
    }
    this.#pending!.delete(tag);
    return p;
  }

  #answerReceived(tag: string, box: AmpBox): void {
    const { d, command } = this.#question(tag, "answer");
    if (command === null) {
      d.callback(box);
      return;
    }
    let values: unknown;
    try {
      values = decodeValues(command.compiledResponse, box, `${command.commandName} response`);
    } catch (e) {
      d.errback(e);
      return;
    }
    d.callback(values);
  }

  #errorReceived(tag: string, box: AmpBox): void {
    const { d, command } = this.#question(tag, "error");
    const code = latin1(box.get(ERROR_CODE) ?? Buffer.alloc(0));
    const description = asBuffer(box.get(ERROR_DESCRIPTION) ?? Buffer.alloc(0)).toString("utf8");
    let err: Error;
    if (code === UNHANDLED_ERROR_CODE) err = new UnhandledCommand(description);
    else if (command === null) err = new RemoteAmpError(code, description);
    else {
      let cls: ErrorClass | undefined;
      for (const [c, k] of command.errorTable) {
        if (c === code) {
          cls = k;
          break;
        }
      }
      err = cls === undefined ? new UnknownRemoteError(description, code) : new cls(description);
    }
    d.errback(err);
  }

  #commandReceived(nameBytes: Uint8Array, box: AmpBox): void {
    const askBytes = box.get(ASK);
    const name = latin1(nameBytes);
    if (name === START_TLS && this.#tlsServer !== null) {
      this.#serveStartTLS(askBytes, this.#tlsServer);
      return;
    }
    const entry = this.locateResponder(name);
    if (entry === undefined) {
      const err = new RemoteAmpError(
        UNHANDLED_ERROR_CODE,
        `Unhandled Command: ${pyBytesRepr(nameBytes)}`,
        false,
        { cause: new UnhandledCommand() },
      );
      this.#sendError(askBytes, err, null);
      return;
    }
    const command = entry.command;
    let result: unknown;
    try {
      const args = decodeValues(command.compiledArguments, box, `${name} arguments`);
      result = entry.responder(args, this);
    } catch (e) {
      this.#sendError(askBytes, e, command);
      return;
    }
    if (result instanceof Deferred) {
      (result as Deferred<unknown>).addCallbacks(
        (v) => this.#sendAnswer(askBytes, command, v),
        (f) => this.#sendError(askBytes, f.value, command),
      );
    } else if (result instanceof Failure) {
      this.#sendError(askBytes, result.value, command);
    } else if (
      result !== null &&
      typeof result === "object" &&
      typeof (result as PromiseLike<unknown>).then === "function"
    ) {
      (result as PromiseLike<unknown>).then(
        (v) => this.#sendAnswer(askBytes, command, v),
        (e: unknown) => this.#sendError(askBytes, e, command),
      );
    } else {
      this.#sendAnswer(askBytes, command, result);
    }
  }

  #sendAnswer(ask: Uint8Array | undefined, command: AnyCommand, values: unknown): void {
    if (ask === undefined) return;
    const w = new BoxWriter();
    try {
      encodeValues(command.compiledResponse, values as object, w, command.commandName, false);
    } catch (e) {
      const err = new BadLocalReturn(
        `The responder for ${command.commandName} returned a value that cannot be serialized: ${
          e instanceof Error ? e.message : String(e)
        }`,
        { cause: e },
      );
      this.#sendError(ask, err, command);
      return;
    }
    w.add(K_ANSWER, ask);
    this.#write(w.finish());
  }

  #sendError(ask: Uint8Array | undefined, err: unknown, command: AnyCommand | null): void {
    let code: string | undefined;
    let description = "";
    let fatal = false;
    if (command !== null) {
      for (const [c, cls, f] of command.errorTable) {
        if (err instanceof cls) {
          code = c;
          description = err.message;
          fatal = f;
          break;
        }
      }
    }
    if (code === undefined && err instanceof RemoteAmpError) {
      code = err.errorCode;
      description = err.description;
      fatal = err.fatal;
    }
    if (ask === undefined) {
      // No answer was asked for: as in Twisted, any failure is unhandled.
      this.unhandledError(Failure.from(err));
      return;
    }
    if (code === undefined) {
      this.log.failure(
        "Unhandled error in the AMP responder for {command}; answering UNKNOWN and closing the connection",
        err,
        { command: command?.commandName },
        "error",
      );
      code = UNKNOWN_ERROR_CODE;
      description = "Unknown Error";
      fatal = true;
    }
    const w = new BoxWriter()
      .add(K_ERROR, ask)
      .add(K_ERROR_CODE, Buffer.from(code, "latin1"))
      .add(K_ERROR_DESCRIPTION, Buffer.from(description, "utf8"));
    this.#write(w.finish());
    if (fatal) this.transport?.loseConnection();
  }

  #write(data: Uint8Array): void {
    if (this.#failReason !== null) return;
    if (this.#held !== null) this.#held.push(data);
    else this.transport?.write(data);
  }

  // --- StartTLS ----------------------------------------------------------------------------------

  /**
   * Answers the peer's `StartTLS` (Twisted's `amp.StartTLS`, which a Twisted peer sends with
   * `callRemote(StartTLS, tls_localCertificate=…, tls_verifyAuthorities=…)`): the answer goes out
   * in clear, then this connection switches to TLS as the server with the options `getOptions`
   * gives (called for each request; it may return a Promise or Deferred). Without it, a
   * `StartTLS` is answered `UNHANDLED`, as any command without a responder.
   *
   * @example
   * ```ts
   * amp.serveTLS(() => ({ key: readFileSync("server.key"), cert: readFileSync("server.pem") }));
   * ```
   */
  serveTLS(getOptions: () => TLSServerOptions | PromiseLike<TLSServerOptions>): this {
    this.#tlsServer = getOptions;
    return this;
  }

  /**
   * Asks the peer to switch the connection to TLS (Twisted's `callRemote(amp.StartTLS)`), and
   * starts TLS as the client with `options` when it agrees: the peer's certificate is verified
   * against `options.hostname` (or the host connected to) and `options.trustRoot`, like any
   * Braid TLS client. Boxes sent meanwhile are held and go out encrypted.
   *
   * @returns a Deferred that fires when the peer has agreed and the handshake has begun (a
   *   handshake that then fails drops the connection with a `TLSError`). It fails with the
   *   peer's refusal (`UnhandledCommand` when it does not serve TLS), or with
   *   `InvalidStateError` when the transport cannot start TLS or a switch is under way.
   *
   * @example
   * ```ts
   * await amp.startTLS({ trustRoot: readFileSync("ca.pem", "utf8"), hostname: "amp.example" });
   * const { total } = await amp.callRemote(Sum, { a: 1, b: 2 }); // over TLS
   * ```
   */
  startTLS(options: TLSClientOptions = {}): Deferred<void> {
    const t = this.transport as Partial<ITLSTransport> | null;
    if (t === null || typeof t.startTLS !== "function") {
      return fail(new InvalidStateError("This connection's transport cannot start TLS"));
    }
    if (this.#held !== null || t.secure === true) {
      return fail(new InvalidStateError("TLS is already started, or starting, on this connection"));
    }
    const asked = this.callRemoteString(START_TLS) as Deferred<AmpBox>;
    this.#held = [];
    const release = () => {
      const held = this.#held ?? [];
      this.#held = null;
      for (const box of held) this.#write(box);
    };
    return asked.addCallbacks(
      () => {
        try {
          if (this.#failReason === null) t.startTLS!(options, "client");
        } finally {
          release();
        }
      },
      (f) => {
        release(); // refused: the peer did not switch, and neither do we
        return f;
      },
    );
  }

  /** The peer asked for TLS: answer in clear, then switch as the server. */
  #serveStartTLS(ask: Uint8Array | undefined, getOptions: () => unknown): void {
    const t = this.transport as Partial<ITLSTransport> | null;
    if (t === null || typeof t.startTLS !== "function") {
      this.#sendError(ask, new InvalidStateError("This transport cannot start TLS"), null);
      return;
    }
    maybeDeferred(getOptions).addCallbacks(
      (options) => {
        if (this.#failReason !== null) return;
        if (ask !== undefined) this.#write(new BoxWriter().add(K_ANSWER, ask).finish());
        try {
          t.startTLS!(options as TLSServerOptions, "server");
        } catch (e) {
          // The peer now speaks TLS: this connection cannot go on in clear.
          this.log.failure("Could not start TLS for the peer's StartTLS", e, undefined, "error");
          this.transport?.abortConnection();
        }
      },
      (f) => this.#sendError(ask, f.value, null),
    );
  }

  /**
   * An error nobody handled (a failing command that asked for no answer): logged, and the
   * connection closed, as Twisted does.
   */
  unhandledError(failure: Failure): void {
    this.log.failure(
      "AMP failure unhandled by the application; dropping the connection",
      failure,
      undefined,
      "error",
    );
    this.transport?.loseConnection();
  }

  #broken(e: unknown): void {
    this.#protocolError = e instanceof Error ? e : new MalformedAmpBox(String(e));
    this.log.failure(
      "AMP protocol error from {peer}; dropping the connection",
      e,
      { peer: String(this.transport?.getPeer()) },
      "error",
    );
    this.transport?.loseConnection();
  }

  /** Fails every call still waiting with `reason` (or the protocol error that broke the connection). */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    const why = this.#protocolError !== null ? new Failure(this.#protocolError) : reason;
    this.#failReason = why;
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null) return;
    for (const p of pending.values()) p.d.errback(why);
  }
}
