/**
 * Braid line server: a `LineOnlyReceiver` with `\n` as delimiter answering each line with the
 * same line (`sendLine`), on the real reactor, 127.0.0.1, port 0, backlog 511. `connectionMade`
 * turns Nagle off like the raw server's `noDelay`, and counts connections for the harness. Run as
 * `node --import tsx bench/servers/braid-line.ts` (see control.ts).
 *
 * @module
 */

import type { Failure } from "../../src/errors/failure.js";
import type { ITCPTransport } from "../../src/protocol/interfaces.js";
import { braid } from "../lib/braid.js";
import { serveControl } from "./control.js";

const { Factory, LineOnlyReceiver, reactor } = braid;

let live = 0;

class Pong extends LineOnlyReceiver {
  constructor() {
    super();
    this.delimiter = "\n";
  }

  override connectionMade(): void {
    live++;
    (this.transport as Partial<ITCPTransport> | null)?.setTcpNoDelay?.(true);
  }

  override lineReceived(line: Uint8Array): void {
    this.sendLine(line);
  }

  override connectionLost(reason: Failure): void {
    live--;
    super.connectionLost(reason);
  }
}

const port = await reactor.listenTCP(
  0,
  Factory.forProtocol(Pong, { noisy: false }),
  511,
  "127.0.0.1",
);
const host = port.getHost() as { port?: number };
if (typeof host.port !== "number") throw new Error("listening port has no TCP port number");
reactor.run();
serveControl(host.port, () => live);
