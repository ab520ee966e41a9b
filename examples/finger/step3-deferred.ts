/**
 * Finger, step 3: `getUser` returns a Deferred, as a real user database would; an errback answers
 * "Internal error in server" when the lookup fails, and the connection closes either way.
 *
 *   node --import tsx examples/finger/step3-deferred.ts [endpoint]
 *   echo moshez | nc 127.0.0.1 8079
 */
import {
  Deferred,
  fail,
  type ITransport,
  LineReceiver,
  Logger,
  reactor,
  ServerFactory,
  serverFromString,
  succeed,
} from "braid";

const decoder = new TextDecoder();
const log = new Logger("examples.finger");

/** Answers with whatever the factory's Deferred gives, or an apology if it fails. */
export class FingerProtocol extends LineReceiver<ITransport, FingerFactory> {
  constructor() {
    super();
    this.delimiter = "\n";
  }

  override lineReceived(line: Uint8Array): void {
    const user = decoder.decode(line).trim();
    this.factory!.getUser(user)
      .addErrback((f) => {
        log.failure("lookup of {user} failed", f, { user });
        return "Internal error in server";
      })
      .addCallback((answer) => {
        this.sendLine(answer);
        this.transport!.loseConnection();
      });
  }
}

/** Looks users up through a Deferred-returning source. */
export class FingerFactory extends ServerFactory<FingerProtocol> {
  constructor(private readonly lookup: (user: string) => Deferred<string>) {
    super();
    this.protocol = FingerProtocol;
  }

  getUser(user: string): Deferred<string> {
    return this.lookup(user);
  }
}

/** A source with one user, one that fails, and a slow answer for everyone else. */
export function demoLookup(user: string): Deferred<string> {
  if (user === "moshez") return succeed("Happy and well");
  if (user === "broken") return fail(new Error("the user database is down"));
  const d = new Deferred<string>();
  reactor.callLater(0.05, () => d.callback("No such user"));
  return d;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = await serverFromString(
    reactor,
    process.argv[2] ?? "tcp:8079:interface=127.0.0.1",
  ).listen(new FingerFactory(demoLookup));
  console.log(`finger (step 3) on ${port.getHost()}`);
  await reactor.run();
}
