/**
 * Finger, step 2: users come from a dictionary the factory holds.
 *
 *   node --import tsx examples/finger/step2-dictionary.ts [endpoint]
 *   echo moshez | nc 127.0.0.1 8079
 */
import { type ITransport, LineReceiver, reactor, ServerFactory, serverFromString } from "braid";

const decoder = new TextDecoder();

/** Answers with the user's entry, from the factory's dictionary. */
export class FingerProtocol extends LineReceiver<ITransport, FingerFactory> {
  constructor() {
    super();
    this.delimiter = "\n";
  }

  override lineReceived(line: Uint8Array): void {
    const user = decoder.decode(line).trim();
    this.sendLine(this.factory!.getUser(user));
    this.transport!.loseConnection();
  }
}

/** Holds the users; builds a `FingerProtocol` per connection. */
export class FingerFactory extends ServerFactory<FingerProtocol> {
  constructor(private readonly users: Readonly<Record<string, string>>) {
    super();
    this.protocol = FingerProtocol;
  }

  getUser(user: string): string {
    return Object.hasOwn(this.users, user) ? this.users[user]! : "No such user";
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const factory = new FingerFactory({ moshez: "Happy and well" });
  const port = await serverFromString(
    reactor,
    process.argv[2] ?? "tcp:8079:interface=127.0.0.1",
  ).listen(factory);
  console.log(`finger (step 2) on ${port.getHost()}`);
  await reactor.run();
}
