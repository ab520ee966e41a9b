/**
 * IRC log bot, after the one in Twisted's documentation: joins a channel, writes every message,
 * action and nickname change to a file with a timestamp, answers when addressed ("braidbot: hi"
 * → "alice: I am a log bot"), and reconnects when the connection is lost.
 *
 *   node --import tsx examples/logbot.ts <host> <port> <channel> <logfile> [nickname]
 */
import { appendFileSync } from "node:fs";
import { type Failure, type IConnector, irc, ReconnectingClientFactory, reactor } from "braid";

const { IRCClient, nickOf } = irc;

/** Appends timestamped lines to a file, at once (so nothing is lost if the bot is killed). */
export class MessageLogger {
  constructor(readonly path: string) {}

  log(message: string): void {
    const time = new Date().toTimeString().slice(0, 8);
    appendFileSync(this.path, `[${time}] ${message}\n`);
  }
}

/** The bot: one instance per connection, configured by its factory. */
export class LogBot extends IRCClient<LogBotFactory> {
  logger!: MessageLogger;

  override connectionMade(): void {
    const factory = this.factory!;
    this.nickname = factory.nickname;
    this.versionName = "braid-logbot";
    this.versionNum = "1.0";
    this.clock = reactor;
    this.logger = new MessageLogger(factory.filename);
    this.logger.log(`[connected at ${new Date().toISOString()}]`);
    factory.resetDelay();
    super.connectionMade();
  }

  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.logger.log(`[disconnected at ${new Date().toISOString()}]`);
  }

  override signedOn(): void {
    this.join(this.factory!.channel);
  }

  override joined(channel: string): void {
    this.logger.log(`[I have joined ${channel}]`);
  }

  override privmsg(user: string, channel: string, message: string): void {
    const nick = nickOf(user);
    this.logger.log(`<${nick}> ${message}`);
    if (channel === this.nickname) {
      // A private message.
      this.msg(nick, "It isn't nice to whisper!  Play nice with the group.");
      return;
    }
    if (message.startsWith(`${this.nickname}:`)) {
      const reply = `${nick}: I am a log bot`;
      this.msg(channel, reply);
      this.logger.log(`<${this.nickname}> ${reply}`);
    }
  }

  override action(user: string, _channel: string, data: string): void {
    this.logger.log(`* ${nickOf(user)} ${data}`);
  }

  /** A raw handler, as in Twisted's bot: every nickname change, ours included. */
  override irc_NICK(prefix: string, params: string[]): void {
    this.logger.log(`${nickOf(prefix)} is now known as ${params[0] ?? ""}`);
    super.irc_NICK(prefix, params);
  }

  /** When our nickname is taken, try it with a `^`. */
  override alterCollidedNick(nickname: string): string {
    return `${nickname}^`;
  }
}

/** Makes a {@link LogBot} per connection, and reconnects (after 0.5 s, then longer) when it is lost. */
export class LogBotFactory extends ReconnectingClientFactory<LogBot> {
  constructor(
    readonly channel: string,
    readonly filename: string,
    readonly nickname = "braidbot",
  ) {
    super({ initialDelay: 0.5, factor: 2, maxDelay: 10 });
    this.protocol = LogBot;
  }

  override clientConnectionLost(connector: IConnector, reason: Failure): void {
    console.log(`connection lost (${reason.getErrorMessage()}), reconnecting`);
    super.clientConnectionLost(connector, reason);
  }

  override clientConnectionFailed(connector: IConnector, reason: Failure): void {
    console.log(`connection failed (${reason.getErrorMessage()}), retrying`);
    super.clientConnectionFailed(connector, reason);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host, port, channel, file, nickname] = process.argv.slice(2);
  if (!host || !port || !channel || !file) {
    console.error("usage: logbot.ts <host> <port> <channel> <logfile> [nickname]");
    process.exit(2);
  }
  const factory = new LogBotFactory(channel, file, nickname);
  reactor.connectTCP(host, Number(port), factory);
  // On Ctrl-C or SIGTERM: no more reconnecting; the reactor closes the connection.
  reactor.addSystemEventTrigger("before", "shutdown", () => factory.stopTrying());
  console.log(`logging ${channel} on ${host}:${port} to ${file}`);
  await reactor.run();
}
