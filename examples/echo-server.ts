/**
 * Echo server: every byte received is sent back.
 *
 *   node --import tsx examples/echo-server.ts [endpoint]      (default tcp:8000:interface=127.0.0.1)
 *
 * Then `nc 127.0.0.1 8000`. Ctrl-C stops it in order.
 */
import { Factory, Protocol, reactor, serverFromString } from "braid";

/** Sends back whatever it receives. */
export class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

export async function main(description = "tcp:8000:interface=127.0.0.1"): Promise<void> {
  const port = await serverFromString(reactor, description).listen(Factory.forProtocol(Echo));
  console.log(`echo server listening on ${port.getHost()}`);
  await reactor.run();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv[2]);
}
