/**
 * Multi-user chat: asks each newcomer for a name, refuses one that is taken, then relays every
 * line to everyone else as `<name> line`.
 *
 *   node --import tsx examples/chat-server.ts [endpoint]     (default tcp:8124:interface=127.0.0.1)
 *   nc 127.0.0.1 8124
 */
import {
  type Failure,
  type ITransport,
  LineReceiver,
  reactor,
  ServerFactory,
  serverFromString,
} from "braid";

const decoder = new TextDecoder();

/** One participant: first a name, then chat lines. */
export class Chat extends LineReceiver<ITransport, ChatFactory> {
  private name: string | null = null;

  constructor() {
    super();
    this.delimiter = "\n";
  }

  override connectionMade(): void {
    this.sendLine("What's your name?");
  }

  override connectionLost(reason: Failure): void {
    if (this.name !== null && this.factory!.users.get(this.name) === this) {
      this.factory!.users.delete(this.name);
    }
    super.connectionLost(reason);
  }

  override lineReceived(line: Uint8Array): void {
    const text = decoder.decode(line).replace(/\r$/, "");
    if (this.name === null) this.handleName(text);
    else this.handleChat(text);
  }

  private handleName(name: string): void {
    const users = this.factory!.users;
    if (name === "" || users.has(name)) {
      this.sendLine("Name taken, please choose another.");
      return;
    }
    this.sendLine(`Welcome, ${name}!`);
    this.name = name;
    users.set(name, this);
  }

  private handleChat(message: string): void {
    const line = `<${this.name}> ${message}`;
    for (const [name, peer] of this.factory!.users) {
      if (name !== this.name) peer.sendLine(line);
    }
  }
}

/** Holds the participants by name. */
export class ChatFactory extends ServerFactory<Chat> {
  readonly users = new Map<string, Chat>();

  constructor() {
    super();
    this.protocol = Chat;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = await serverFromString(
    reactor,
    process.argv[2] ?? "tcp:8124:interface=127.0.0.1",
  ).listen(new ChatFactory());
  console.log(`chat server on ${port.getHost()}`);
  await reactor.run();
}
