/**
 * A multi-user line chat, as a reusable protocol: `ChatProtocol` asks each newcomer for a name,
 * refuses one that is taken, then relays each line to everyone else as `<name> line`;
 * `ChatFactory` holds the participants and, optionally, announces arrivals and departures.
 *
 * Lines may end in `\n` or `\r\n` (telnet and nc both work); what the server sends ends in
 * `\r\n`. The texts are fields of the factory, so a deployment can translate them.
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import { ServerFactory } from "../protocol/factory.js";
import type { ITransport } from "../protocol/interfaces.js";
import { LineReceiver } from "./basic/lineReceiver.js";

const decoder = new TextDecoder();
const CRLF = Buffer.from("\r\n");

/**
 * One chat participant: first a name, then chat lines. See the module notes.
 *
 * @example
 * ```ts
 * const factory = new ChatFactory({ announce: true });
 * const { client, pump } = connectedServerAndClient(factory, AccumulatingProtocol);
 * client.transport!.write(new TextEncoder().encode("alice\r\n"));
 * pump.flush(); // client.dataText() === "What's your name?\r\nWelcome, alice!\r\n"
 * ```
 */
export class ChatProtocol extends LineReceiver<ITransport, ChatFactory> {
  /** The participant's name once accepted; `null` while the server waits for one. */
  name: string | null = null;
  /** Longest line accepted, in bytes. */
  override MAX_LENGTH = 4096;

  constructor() {
    super();
    this.delimiter = "\n";
  }

  /** Asks for a name. */
  override connectionMade(): void {
    this.say(this.factory!.prompt);
  }

  /** A name first, then chat lines. */
  override lineReceived(line: Uint8Array): void {
    const text = decoder.decode(line).replace(/\r$/, "");
    if (this.name === null) this.factory!.join(this, text.trim());
    else this.factory!.broadcast(this, text);
  }

  /** Leaves the chat. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.factory?.leave(this);
  }

  /** Sends one line of text to this participant. */
  say(text: string): void {
    this.transport?.writeSequence([Buffer.from(text, "utf8"), CRLF]);
  }
}

/** Settings of a {@link ChatFactory}. */
export interface ChatOptions {
  /** Tell everyone when someone joins or leaves (default `false`). */
  announce?: boolean;
}

/**
 * Holds the participants by name and relays between them.
 *
 * @example
 * ```ts
 * await serverFromString(reactor, "tcp:8124").listen(new ChatFactory({ announce: true }));
 * ```
 */
export class ChatFactory extends ServerFactory<ChatProtocol> {
  /** The participants, by name. */
  readonly users = new Map<string, ChatProtocol>();
  /** Whether joins and leaves are announced to the others. */
  announce: boolean;
  /** Sent on connection. */
  prompt = "What's your name?";
  /** Sent when the name is empty or taken. */
  nameTaken = "Name taken, please choose another.";

  constructor(options: ChatOptions = {}) {
    super();
    this.protocol = ChatProtocol;
    this.announce = options.announce ?? false;
  }

  /** The welcome line for `name`. */
  welcome(name: string): string {
    return `Welcome, ${name}!`;
  }

  /** How a chat line from `name` is relayed. */
  format(name: string, message: string): string {
    return `<${name}> ${message}`;
  }

  /** The announcement of `name` joining (`joined`) or leaving. */
  announcement(name: string, joined: boolean): string {
    return `* ${name} has ${joined ? "joined" : "left"}`;
  }

  /** `p` asks to be called `name`: accepted unless empty or taken. */
  join(p: ChatProtocol, name: string): void {
    if (name === "" || this.users.has(name)) {
      p.say(this.nameTaken);
      return;
    }
    p.name = name;
    p.say(this.welcome(name));
    if (this.announce) this.#toOthers(name, this.announcement(name, true));
    this.users.set(name, p);
  }

  /** `p` left (its connection was lost). */
  leave(p: ChatProtocol): void {
    const name = p.name;
    if (name === null || this.users.get(name) !== p) return;
    this.users.delete(name);
    if (this.announce) this.#toOthers(name, this.announcement(name, false));
  }

  /** Relays `message` from `from` to every other participant. */
  broadcast(from: ChatProtocol, message: string): void {
    if (from.name === null) return;
    this.#toOthers(from.name, this.format(from.name, message));
  }

  #toOthers(name: string, line: string): void {
    for (const [other, peer] of this.users) {
      if (other !== name) peer.say(line);
    }
  }
}
