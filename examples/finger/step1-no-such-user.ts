/**
 * Finger, step 1: a server on an endpoint string that reads one line (a user name) and answers
 * that there is no such user.
 *
 *   node --import tsx examples/finger/step1-no-such-user.ts [endpoint]   (default tcp:8079:interface=127.0.0.1)
 *   echo alice | nc 127.0.0.1 8079
 */
import { LineReceiver, reactor, ServerFactory, serverFromString } from "braid";

export class FingerProtocol extends LineReceiver {
  constructor() {
    super();
    this.delimiter = "\n";
  }

  override lineReceived(_user: Uint8Array): void {
    this.sendLine("No such user");
    this.transport!.loseConnection();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = await serverFromString(
    reactor,
    process.argv[2] ?? "tcp:8079:interface=127.0.0.1",
  ).listen(ServerFactory.forProtocol(FingerProtocol));
  console.log(`finger (step 1) on ${port.getHost()}`);
  await reactor.run();
}
