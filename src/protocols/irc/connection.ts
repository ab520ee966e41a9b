/**
 * `IRCConnection`: the mechanics of an IRC client connection that `IRCClient` builds on: line
 * framing (CR LF or bare LF, 512-byte limit), decoding, parsing and dispatch by name, sending
 * (quoting, line rate, splitting of long messages), registration, the heartbeat, and the
 * commands (`join`, `msg`, `describe`, `setNick`, `quit`, …).
 *
 * Sans-IO: it writes through its transport only; the heartbeat and the line rate run on an
 * injected clock.
 *
 * @module
 */

import { InvalidStateError } from "../../errors/errors.js";
import type { Failure } from "../../errors/failure.js";
import { IRCBadMessage, IRCMessageLengthError } from "../../errors/irc.js";
import { Logger } from "../../logger/logger.js";
import type { IProtocolFactory, ITransport } from "../../protocol/interfaces.js";
import type { IDelayedCall, IReactorTime } from "../../time/interfaces.js";
import { LineReceiver } from "../basic/lineReceiver.js";
import { type CTCPMessage, ctcpStringify } from "./ctcp.js";
import {
  byteLength,
  CHANNEL_PREFIXES,
  formatMessage,
  lowDequote,
  lowQuote,
  MAX_COMMAND_LENGTH,
  parseMessage,
  splitText,
} from "./message.js";
import { symbolicName } from "./numerics.js";
import { ServerSupportedFeatures } from "./support.js";

const log = new Logger("braid.irc");
const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
const CRLF = new Uint8Array([13, 10]);

/** A raw message handler: the message's prefix (`""` when none) and its parameters. */
export type IRCHandler = (prefix: string, params: string[]) => void;

/**
 * The mechanics under {@link IRCClient}: line framing and decoding, parsing, dispatch by name
 * (`irc_<COMMAND>` methods and {@link on} handlers), registration, sending with quoting, line
 * rate and splitting, the heartbeat, and the commands. It reacts to no message itself: extend
 * {@link IRCClient}, which handles them.
 */
export class IRCConnection<F extends IProtocolFactory = IProtocolFactory> extends LineReceiver<
  ITransport,
  F
> {
  /** The nickname to register with; updated when the server confirms a change. */
  nickname = "irc";
  /** The user name sent with `USER`; the nickname when `null`. */
  username: string | null = null;
  /** The real name sent with `USER`; the nickname when `null`. */
  realname: string | null = null;
  /** The connection password sent with `PASS` before registering, if any. */
  password: string | null = null;
  /** The server's name, once registered (the prefix of its welcome). */
  hostname: string | null = null;
  /** Whether to register as soon as the connection is made (default `true`). */
  performLogin = true;
  /** Answered to CTCP `VERSION` queries, with {@link versionNum} and {@link versionEnv}; no answer when `null`. */
  versionName: string | null = null;
  /** The version number in CTCP `VERSION` replies. */
  versionNum: string | null = null;
  /** The environment (OS, runtime) in CTCP `VERSION` replies. */
  versionEnv: string | null = null;
  /** The nickname tried when the server rejects ours as erroneous before registration. */
  erroneousNickFallback = "defaultnick";
  /**
   * The minimum delay between two lines sent, in seconds, to stay under a server's flood limit;
   * `null` (default) sends at once. Needs a {@link clock}.
   */
  lineRate: number | null = null;
  /** Seconds between the PINGs sent to the server once registered; `null` for none. Needs a {@link clock}. */
  heartbeatInterval: number | null = 120;
  /** The clock for the heartbeat and the line rate; neither runs without one. */
  clock: IReactorTime | null = null;
  /** What the server announced with `RPL_ISUPPORT` (005). */
  supported = new ServerSupportedFeatures();
  /** The message of the day being received, between `RPL_MOTDSTART` and `RPL_ENDOFMOTD`. */
  motd: string[] | null = null;

  /** The longest line accepted from the server, in bytes, without its line ending. */
  override MAX_LENGTH = MAX_COMMAND_LENGTH;

  /** Set when `RPL_WELCOME` arrives; read it through {@link registered}. */
  protected registeredFlag = false;
  /** The nickname last asked for with `NICK`. */
  protected attemptedNick = "";
  #discarding = false;
  #handlers = new Map<string, Set<IRCHandler>>();
  #heartbeat: IDelayedCall | null = null;
  #queue: (string | Uint8Array)[] = [];
  #queueCall: IDelayedCall | null = null;

  constructor() {
    super();
    this.delimiter = "\n";
  }

  /** Whether the server has welcomed us (`RPL_WELCOME` received). */
  get registered(): boolean {
    return this.registeredFlag;
  }

  // --- connection -------------------------------------------------------------------------

  /** Registers with the server, unless {@link performLogin} is `false`. */
  override connectionMade(): void {
    this.supported = new ServerSupportedFeatures();
    this.registeredFlag = false;
    if (this.performLogin) this.register(this.nickname);
  }

  /** Stops the heartbeat and drops the lines still queued by the line rate. */
  override connectionLost(reason: Failure): void {
    this.stopHeartbeat();
    this.#queueCall?.cancel();
    this.#queueCall = null;
    this.#queue = [];
    super.connectionLost(reason);
  }

  /** Parses one received line and dispatches it (see the module notes). */
  override lineReceived(bytes: Uint8Array): void {
    if (this.#discarding) {
      // The end of a line that was too long.
      this.#discarding = false;
      return;
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      text = latin1.decode(bytes);
    }
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.trim() === "") return;
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(lowDequote(text));
    } catch (e) {
      if (!(e instanceof IRCBadMessage)) throw e;
      this.badMessage(text, e);
      return;
    }
    this.handleCommand(message.command, message.prefix, message.params);
  }

  /** Drops a line longer than {@link MAX_LENGTH}, keeping whatever follows it. */
  override lineLengthExceeded(line: Uint8Array): void {
    log.warn("Dropping an IRC line longer than {max} bytes", { max: this.MAX_LENGTH });
    const end = line.indexOf(10);
    if (end < 0) {
      this.#discarding = true;
      return;
    }
    this.setLineMode(line.subarray(end + 1));
  }

  /** A line that is not an IRC message arrived; the default logs it. */
  badMessage(line: string, error: IRCBadMessage): void {
    log.warn("Bad IRC message {line}: {error}", { line, error: error.message });
  }

  /**
   * Calls the handlers added with {@link on} for `command`, then the method `irc_<command>`
   * (`command` in its symbolic form for numerics), or {@link irc_unknown} when there is none.
   */
  handleCommand(command: string, prefix: string, params: string[]): void {
    const name = symbolicName(command);
    const handlers = this.#handlers.get(name);
    if (handlers !== undefined) for (const h of [...handlers]) h(prefix, params);
    const method = (this as unknown as Record<string, unknown>)[`irc_${name}`];
    if (typeof method === "function") method.call(this, prefix, params);
    else this.irc_unknown(prefix, name, params);
  }

  /**
   * Adds a handler for messages with `command` (`"PRIVMSG"`, `"RPL_TOPIC"` or its number
   * `"332"`), called before the `irc_` method.
   *
   * @returns a function that removes the handler.
   */
  on(command: string, handler: IRCHandler): () => void {
    const name = symbolicName(command.toUpperCase());
    let set = this.#handlers.get(name);
    if (set === undefined) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  // --- sending ----------------------------------------------------------------------------

  /**
   * Sends one line, with CR LF: a string is quoted (NUL, CR, LF escaped) and UTF-8 encoded.
   * With a {@link lineRate} and a {@link clock}, lines are queued and sent that far apart.
   *
   * @throws InvalidStateError when there is no transport.
   */
  override sendLine(line: Uint8Array | string): void {
    if (this.transport === null)
      throw new InvalidStateError("sendLine() called before makeConnection()");
    if (this.lineRate === null || this.clock === null) {
      this.#reallySendLine(line);
      return;
    }
    this.#queue.push(line);
    if (this.#queueCall === null) this.#sendQueued();
  }

  #sendQueued(): void {
    const line = this.#queue.shift();
    if (line === undefined) {
      this.#queueCall = null;
      return;
    }
    this.#reallySendLine(line);
    this.#queueCall = this.clock!.callLater(this.lineRate ?? 0, () => this.#sendQueued());
  }

  #reallySendLine(line: Uint8Array | string): void {
    const t = this.transport;
    if (t === null) return;
    if (typeof line === "string") t.write(Buffer.from(`${lowQuote(line)}\r\n`, "utf8"));
    else t.writeSequence([line, CRLF]);
  }

  /** Sends `PASS` (when a {@link password} is set), `NICK` and `USER`. */
  register(nickname: string, hostname = "foo", servername = "bar"): void {
    if (this.password !== null) this.sendLine(formatMessage("PASS", this.password));
    this.setNick(nickname);
    const username = this.username ?? nickname;
    const realname = this.realname ?? nickname;
    this.sendLine(`USER ${username} ${hostname} ${servername} :${realname}`);
  }

  /** Asks for a new nickname; {@link nickname} changes when the server confirms. */
  setNick(nickname: string): void {
    this.attemptedNick = nickname;
    this.sendLine(`NICK ${nickname}`);
  }

  /** Joins `channel` (a `#` is prepended when it has no channel prefix), with its key if any. */
  join(channel: string, key?: string): void {
    channel = channelName(channel);
    this.sendLine(key ? `JOIN ${channel} ${key}` : `JOIN ${channel}`);
  }

  /** Leaves `channel`, with a reason if given. */
  leave(channel: string, reason?: string): void {
    channel = channelName(channel);
    this.sendLine(reason ? `PART ${channel} :${reason}` : `PART ${channel}`);
  }

  /** Same as {@link leave}. */
  part(channel: string, reason?: string): void {
    this.leave(channel, reason);
  }

  /** Kicks `user` out of `channel` (needs operator rights). */
  kick(channel: string, user: string, reason?: string): void {
    channel = channelName(channel);
    this.sendLine(reason ? `KICK ${channel} ${user} :${reason}` : `KICK ${channel} ${user}`);
  }

  /**
   * Sets (`set`) or unsets `modes` on a channel or on a user (ourselves), with at most one
   * parameter: a `limit` (`+l`), a `user` (`+o`, `+v`) or a `mask` (`+b`), as Twisted's
   * `IRCClient.mode`.
   *
   * @example
   * ```ts
   * client.mode("#braid", true, "o", undefined, "alice"); // MODE #braid +o alice
   * client.mode("#braid", true, "l", 25);                 // MODE #braid +l 25
   * ```
   */
  mode(
    target: string,
    set: boolean,
    modes: string,
    limit?: number,
    user?: string,
    mask?: string,
  ): void {
    let line = `MODE ${target} ${set ? "+" : "-"}${modes}`;
    if (limit !== undefined) line += ` ${Math.trunc(limit)}`;
    else if (user !== undefined) line += ` ${user}`;
    else if (mask !== undefined) line += ` ${mask}`;
    this.sendLine(line);
  }

  /** Sets the topic of `channel`, or asks for it when `topic` is `undefined`. */
  topic(channel: string, topic?: string): void {
    channel = channelName(channel);
    this.sendLine(topic === undefined ? `TOPIC ${channel}` : `TOPIC ${channel} :${topic}`);
  }

  /** Says `message` on `channel` (a `#` is prepended when it has no channel prefix). */
  say(channel: string, message: string, length?: number): void {
    this.msg(channelName(channel), message, length);
  }

  /**
   * Sends `message` to a user or channel with `PRIVMSG`, as as many lines as it takes: at each
   * `\n`, and so that no line exceeds `length` bytes. `length` defaults to a safe estimate of
   * what the server will relay once it adds our full prefix (`:nick!user@host`), computed as
   * Twisted does from the server's `NICKLEN`.
   *
   * @throws {@link IRCMessageLengthError} when `length` leaves no room for text.
   */
  msg(user: string, message: string, length?: number): void {
    this.#sendMessage("PRIVMSG", user, message, length);
  }

  /** Sends `message` with `NOTICE` (which must never be answered automatically); split like {@link msg}. */
  notice(user: string, message: string, length?: number): void {
    this.#sendMessage("NOTICE", user, message, length);
  }

  /** Sends a CTCP `ACTION` ("/me …") to a user or channel. */
  describe(channel: string, action: string): void {
    this.ctcpMakeQuery(channel, [["ACTION", action]]);
  }

  /** Leaves the server, with a message if given. */
  quit(message = ""): void {
    this.sendLine(`QUIT :${message}`);
  }

  /** Marks us away, with a message. */
  away(message = ""): void {
    this.sendLine(`AWAY :${message}`);
  }

  /** Marks us back (no longer away). */
  back(): void {
    this.sendLine("AWAY");
  }

  /** Asks the server about `nickname`. */
  whois(nickname: string, server?: string): void {
    this.sendLine(server === undefined ? `WHOIS ${nickname}` : `WHOIS ${server} ${nickname}`);
  }

  /** Sends CTCP queries to `user` (in a `PRIVMSG`). */
  ctcpMakeQuery(user: string, messages: Iterable<CTCPMessage>): void {
    this.sendLine(`PRIVMSG ${user} :${ctcpStringify(messages)}`);
  }

  /** Sends CTCP replies to `user` (in a `NOTICE`). */
  ctcpMakeReply(user: string, messages: Iterable<CTCPMessage>): void {
    this.sendLine(`NOTICE ${user} :${ctcpStringify(messages)}`);
  }

  /**
   * A safe maximum length for a line starting with `command` once the server prefixes it with
   * our full name: Twisted's estimate, 512 minus the longest prefix (`NICKLEN`, 10 for the user
   * name, 63 for the host) minus a fudge of 10.
   */
  safeMaximumLineLength(command: string): number {
    const nicklen = this.supported.getInt("NICKLEN", 9);
    const theoretical = 1 + nicklen + 1 + 10 + 1 + 63 + 1 + byteLength(command);
    return MAX_COMMAND_LENGTH - theoretical - 10;
  }

  #sendMessage(kind: string, user: string, message: string, length?: number): void {
    const fmt = `${kind} ${user} :`;
    length ??= this.safeMaximumLineLength(fmt);
    const minimum = byteLength(fmt) + 2;
    if (length <= minimum) {
      throw new IRCMessageLengthError(
        `Maximum length must exceed ${minimum} for message to ${user}`,
      );
    }
    for (const line of splitText(message, length - minimum)) this.sendLine(fmt + line);
  }

  // --- heartbeat --------------------------------------------------------------------------

  /** Starts sending `PING` every {@link heartbeatInterval} seconds (when there is a {@link clock}). */
  startHeartbeat(): void {
    this.stopHeartbeat();
    const clock = this.clock;
    const interval = this.heartbeatInterval;
    if (clock === null || interval === null) return;
    const beat = () => {
      this.sendLine(`PING ${this.hostname ?? "server"}`);
      this.#heartbeat = clock.callLater(interval, beat);
    };
    this.#heartbeat = clock.callLater(interval, beat);
  }

  /** Stops the heartbeat. */
  stopHeartbeat(): void {
    this.#heartbeat?.cancel();
    this.#heartbeat = null;
  }

  /** A command with no `irc_` method; the default ignores it. */
  irc_unknown(_prefix: string, _command: string, _params: string[]): void {}
}

/** `channel` with a `#` in front when it does not start with a channel prefix. */
function channelName(channel: string): string {
  return channel !== "" && CHANNEL_PREFIXES.includes(channel[0]!) ? channel : `#${channel}`;
}
