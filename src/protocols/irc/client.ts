/**
 * `IRCClient`: the client side of IRC (RFC 1459 / RFC 2812), after Twisted's
 * `twisted.words.protocols.irc.IRCClient`. It answers PING, picks another nickname when the one
 * it wants is taken, and turns server messages into callbacks (`signedOn`, `joined`, `privmsg`,
 * `action`, `userRenamed`, …); the commands (`join`, `msg`, `describe`, `setNick`, `quit`, …)
 * and the mechanics come from {@link IRCConnection}.
 *
 * Dispatch is by name, as in Twisted: a message with command `NICK` calls `irc_NICK(prefix,
 * params)` and numeric replies use their symbolic names (`001` calls `irc_RPL_WELCOME`); a
 * command with no such method goes to `irc_unknown`. Subclasses override those methods, or the
 * higher-level callbacks they call; `on(command, handler)` adds handlers without subclassing.
 *
 * @module
 */

import { IRCPasswordMismatch } from "../../errors/irc.js";
import { Logger } from "../../logger/logger.js";
import type { IProtocolFactory } from "../../protocol/interfaces.js";
import { IRCConnection } from "./connection.js";
import { type CTCPMessage, ctcpExtract, X_DELIM } from "./ctcp.js";
import { formatMessage, ircEquals, nickOf } from "./message.js";
import { type ParamModes, parseModes } from "./modes.js";

const log = new Logger("braid.irc");

/**
 * An IRC client connection. Set {@link nickname} (and optionally {@link username},
 * {@link realname}, {@link password}) before connecting; override the callbacks you need.
 *
 * Received lines end with CR LF or a bare LF; lines longer than {@link MAX_LENGTH} (512 bytes, the
 * RFC limit) are dropped with a warning and the connection stays up. Text is decoded as UTF-8,
 * or as Latin-1 when it is not valid UTF-8. Every line sent ends with CR LF; `msg`, `notice` and
 * `say` split long text so that each line stays within the 512 bytes the server relays.
 *
 * @example
 * ```ts
 * import { ClientFactory, IRCClient, nickOf, reactor } from "braid";
 *
 * class Greeter extends IRCClient {
 *   override nickname = "greeter";
 *   override signedOn(): void {
 *     this.join("#braid");
 *   }
 *   override userJoined(user: string, channel: string): void {
 *     this.say(channel, `hello, ${user}`);
 *   }
 *   override privmsg(user: string, channel: string, message: string): void {
 *     if (message.startsWith(`${this.nickname}:`)) this.msg(channel, `${nickOf(user)}: hi!`);
 *   }
 * }
 * reactor.connectTCP("irc.example.net", 6667, ClientFactory.forProtocol(Greeter));
 * ```
 */
export class IRCClient<F extends IProtocolFactory = IProtocolFactory> extends IRCConnection<F> {
  // --- raw handlers -----------------------------------------------------------------------

  /** The server checks we are alive: answered with `PONG`. */
  irc_PING(_prefix: string, params: string[]): void {
    this.sendLine(formatMessage("PONG", params[params.length - 1] ?? ""));
  }

  /** Registered: records the server and our nickname, calls {@link signedOn}, starts the heartbeat. */
  irc_RPL_WELCOME(prefix: string, params: string[]): void {
    this.hostname = prefix;
    this.registeredFlag = true;
    this.nickname = params[0] || this.attemptedNick;
    this.signedOn();
    this.startHeartbeat();
  }

  /** The server's features: recorded in {@link supported}, then {@link isupport} is called. */
  irc_RPL_ISUPPORT(_prefix: string, params: string[]): void {
    const options = params.slice(1, -1);
    this.supported.parse(options);
    this.isupport(options);
  }

  /** The nickname we asked for is taken: retries with {@link alterCollidedNick}'s choice. */
  irc_ERR_NICKNAMEINUSE(_prefix: string, _params: string[]): void {
    this.setNick(this.alterCollidedNick(this.attemptedNick));
  }

  /** The nickname is not acceptable: before registration, retries with {@link erroneousNickFallback}. */
  irc_ERR_ERRONEUSNICKNAME(_prefix: string, _params: string[]): void {
    if (!this.registeredFlag) this.setNick(this.erroneousNickFallback);
  }

  /**
   * The password was refused.
   *
   * @throws {@link IRCPasswordMismatch}, which drops the connection.
   */
  irc_ERR_PASSWDMISMATCH(_prefix: string, _params: string[]): void {
    throw new IRCPasswordMismatch();
  }

  /** Someone (maybe us) joined a channel. */
  irc_JOIN(prefix: string, params: string[]): void {
    const nick = nickOf(prefix);
    const channel = params[params.length - 1] ?? "";
    if (ircEquals(nick, this.nickname)) this.joined(channel);
    else this.userJoined(nick, channel);
  }

  /** Someone (maybe us) left a channel. */
  irc_PART(prefix: string, params: string[]): void {
    const nick = nickOf(prefix);
    const channel = params[0] ?? "";
    if (ircEquals(nick, this.nickname)) this.left(channel);
    else this.userLeft(nick, channel);
  }

  /** Someone left the server. */
  irc_QUIT(prefix: string, params: string[]): void {
    this.userQuit(nickOf(prefix), params[0] ?? "");
  }

  /** Someone (maybe us) changed nickname. */
  irc_NICK(prefix: string, params: string[]): void {
    const nick = nickOf(prefix);
    const newNick = params[0] ?? "";
    if (ircEquals(nick, this.nickname)) this.nickChanged(newNick);
    else this.userRenamed(nick, newNick);
  }

  /** Someone (maybe us) was kicked out of a channel. */
  irc_KICK(prefix: string, params: string[]): void {
    const kicker = nickOf(prefix);
    const channel = params[0] ?? "";
    const kicked = params[1] ?? "";
    const message = params[2] ?? "";
    if (ircEquals(kicked, this.nickname)) this.kickedFrom(channel, kicker, message);
    else this.userKicked(kicked, channel, kicker, message);
  }

  /** A topic was changed. */
  irc_TOPIC(prefix: string, params: string[]): void {
    this.topicUpdated(nickOf(prefix), params[0] ?? "", params[1] ?? "");
  }

  /** The topic of a channel we joined or asked about. */
  irc_RPL_TOPIC(prefix: string, params: string[]): void {
    this.topicUpdated(nickOf(prefix), params[1] ?? "", params[2] ?? "");
  }

  /** A channel we asked about has no topic. */
  irc_RPL_NOTOPIC(prefix: string, params: string[]): void {
    this.topicUpdated(nickOf(prefix), params[1] ?? "", "");
  }

  /** The first line of the message of the day. */
  irc_RPL_MOTDSTART(_prefix: string, params: string[]): void {
    this.motd = [params[params.length - 1] ?? ""];
  }

  /** A line of the message of the day. */
  irc_RPL_MOTD(_prefix: string, params: string[]): void {
    (this.motd ??= []).push(params[params.length - 1] ?? "");
  }

  /** The end of the message of the day: {@link receivedMOTD} gets its lines. */
  irc_RPL_ENDOFMOTD(_prefix: string, _params: string[]): void {
    const motd = this.motd ?? [];
    this.motd = null;
    this.receivedMOTD(motd);
  }

  /** A message, maybe with CTCP queries in it: those go to `ctcpQuery_<TAG>`, the text to {@link privmsg}. */
  irc_PRIVMSG(prefix: string, params: string[]): void {
    const channel = params[0] ?? "";
    let message = params[params.length - 1] ?? "";
    if (params.length < 2 || message === "") return;
    if (message.includes(X_DELIM)) {
      const m = ctcpExtract(message);
      if (m.extended.length > 0) this.ctcpQuery(prefix, channel, m.extended);
      if (m.normal.length === 0) return;
      message = m.normal.join(" ");
    }
    this.privmsg(prefix, channel, message);
  }

  /** A notice, maybe with CTCP replies in it: those go to `ctcpReply_<TAG>`, the text to {@link noticed}. */
  irc_NOTICE(prefix: string, params: string[]): void {
    const channel = params[0] ?? "";
    let message = params[params.length - 1] ?? "";
    if (params.length < 2) return;
    if (message.includes(X_DELIM)) {
      const m = ctcpExtract(message);
      if (m.extended.length > 0) this.ctcpReply(prefix, channel, m.extended);
      if (m.normal.length === 0) return;
      message = m.normal.join(" ");
    }
    this.noticed(prefix, channel, message);
  }

  /**
   * Modes changed on a channel, or on us: read with the modes the server said take a parameter
   * ({@link getChannelModeParams}, {@link getUserModeParams}), then {@link modeChanged} is called
   * once for the modes set and once for those unset. A mode string that cannot be read is
   * logged and skipped; the connection stays up.
   */
  irc_MODE(prefix: string, params: string[]): void {
    const target = params[0] ?? "";
    let modes = params[1] ?? "";
    if (modes !== "" && modes[0] !== "+" && modes[0] !== "-") modes = `+${modes}`;
    const paramModes = ircEquals(target, this.nickname)
      ? this.getUserModeParams()
      : this.getChannelModeParams();
    let changes: ReturnType<typeof parseModes>;
    try {
      changes = parseModes(modes, params.slice(2), paramModes);
    } catch (e) {
      log.failure("Could not read MODE {params}", e, { params: params.join(" ") }, "warn");
      return;
    }
    const { added, removed } = changes;
    for (const [set, list] of [
      [true, added],
      [false, removed],
    ] as const) {
      if (list.length === 0) continue;
      this.modeChanged(
        prefix,
        target,
        set,
        list.map(([m]) => m).join(""),
        list.map(([, p]) => p),
      );
    }
  }

  /**
   * Which channel modes take a parameter, by direction: the rank modes (`PREFIX`), the address
   * list modes and the always-parameter modes both ways, and the set-only ones (`l`) when set.
   */
  getChannelModeParams(): ParamModes {
    const s = this.supported;
    const chan = s.channelModes();
    const remove = s.prefixModes() + chan.addressModes + chan.param;
    return { add: remove + chan.setParam, remove };
  }

  /** Which user modes take a parameter: none, by default (servers announce no list of them). */
  getUserModeParams(): ParamModes {
    return { add: "", remove: "" };
  }

  // --- CTCP -------------------------------------------------------------------------------

  /** Dispatches each CTCP query to `ctcpQuery_<TAG>`, or {@link ctcpUnknownQuery}. */
  ctcpQuery(user: string, channel: string, messages: readonly CTCPMessage[]): void {
    for (const [tag, data] of messages) {
      const method = (this as unknown as Record<string, unknown>)[`ctcpQuery_${tag.toUpperCase()}`];
      if (typeof method === "function") method.call(this, user, channel, data);
      else this.ctcpUnknownQuery(user, channel, tag, data);
    }
  }

  /** `ACTION`: calls {@link action}. */
  ctcpQuery_ACTION(user: string, channel: string, data: string | null): void {
    this.action(user, channel, data ?? "");
  }

  /** `PING`: echoed back to the sender. */
  ctcpQuery_PING(user: string, _channel: string, data: string | null): void {
    this.ctcpMakeReply(nickOf(user), [["PING", data]]);
  }

  /** `VERSION`: answered with `versionName:versionNum:versionEnv` when {@link versionName} is set. */
  ctcpQuery_VERSION(user: string, _channel: string, _data: string | null): void {
    if (this.versionName === null) return;
    const v = `${this.versionName}:${this.versionNum ?? ""}:${this.versionEnv ?? ""}`;
    this.ctcpMakeReply(nickOf(user), [["VERSION", v]]);
  }

  /** `CLIENTINFO`: the CTCP queries this client answers. */
  ctcpQuery_CLIENTINFO(user: string, _channel: string, _data: string | null): void {
    const tags = new Set<string>();
    for (let o: object | null = this; o !== null; o = Object.getPrototypeOf(o)) {
      for (const k of Object.getOwnPropertyNames(o))
        if (k.startsWith("ctcpQuery_")) tags.add(k.slice(10));
    }
    this.ctcpMakeReply(nickOf(user), [["CLIENTINFO", [...tags].sort().join(" ")]]);
  }

  /** A CTCP query with no `ctcpQuery_` method; the default logs it. */
  ctcpUnknownQuery(user: string, _channel: string, tag: string, _data: string | null): void {
    log.debug("Unknown CTCP query {tag} from {user}", { tag, user });
  }

  /** Dispatches each CTCP reply to `ctcpReply_<TAG>`, or {@link ctcpUnknownReply}. */
  ctcpReply(user: string, channel: string, messages: readonly CTCPMessage[]): void {
    for (const [tag, data] of messages) {
      const method = (this as unknown as Record<string, unknown>)[`ctcpReply_${tag.toUpperCase()}`];
      if (typeof method === "function") method.call(this, user, channel, data);
      else this.ctcpUnknownReply(user, channel, tag, data);
    }
  }

  /** A CTCP reply with no `ctcpReply_` method; the default ignores it. */
  ctcpUnknownReply(_user: string, _channel: string, _tag: string, _data: string | null): void {}

  // --- callbacks --------------------------------------------------------------------------

  /** Registered with the server: a good time to join channels. */
  signedOn(): void {}
  /** The server's `RPL_ISUPPORT` tokens (`"NICKLEN=30"`, `"CHANTYPES=#"`, …). */
  isupport(_options: string[]): void {}
  /** The message of the day, one string per line. */
  receivedMOTD(_motd: string[]): void {}
  /** We joined `channel`. */
  joined(_channel: string): void {}
  /** We left `channel`. */
  left(_channel: string): void {}
  /** We were kicked out of `channel` by `kicker`. */
  kickedFrom(_channel: string, _kicker: string, _message: string): void {}
  /** Our nickname changed; the default records it in {@link nickname}. */
  nickChanged(nick: string): void {
    this.nickname = nick;
  }
  /** `user` (a nickname) joined `channel`. */
  userJoined(_user: string, _channel: string): void {}
  /** `user` left `channel`. */
  userLeft(_user: string, _channel: string): void {}
  /** `user` left the server. */
  userQuit(_user: string, _quitMessage: string): void {}
  /** `kicked` was kicked out of `channel` by `kicker`. */
  userKicked(_kicked: string, _channel: string, _kicker: string, _message: string): void {}
  /** `oldName` is now known as `newName`. */
  userRenamed(_oldName: string, _newName: string): void {}
  /**
   * A message: `user` is the sender's full prefix (`nick!user@host`), `channel` the channel or,
   * for a private message, our nickname.
   */
  privmsg(_user: string, _channel: string, _message: string): void {}
  /** An action ("/me waves") by `user` (full prefix) on `channel`. */
  action(_user: string, _channel: string, _data: string): void {}
  /** A notice; like {@link privmsg}. Never answer a notice automatically. */
  noticed(_user: string, _channel: string, _message: string): void {}
  /** The topic of `channel` is (or was changed to) `newTopic`, by `user`. */
  topicUpdated(_user: string, _channel: string, _newTopic: string): void {}
  /**
   * `user` (full prefix, or a server name) set (`set`) or unset `modes` on `channel` (or on us,
   * when `channel` is our nickname), with one entry of `args` per mode: its parameter, or `null`.
   */
  modeChanged(
    _user: string,
    _channel: string,
    _set: boolean,
    _modes: string,
    _args: readonly (string | null)[],
  ): void {}

  /**
   * The nickname to try when `nickname` is taken; the default appends `_`.
   * Override for another scheme (Twisted's log bot appends `^`).
   */
  alterCollidedNick(nickname: string): string {
    return `${nickname}_`;
  }
}
