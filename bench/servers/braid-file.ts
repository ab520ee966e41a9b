/**
 * Braid file server: each connection gets the file at $BENCH_FILE sent with `FileSender` (a pull
 * producer on the transport), then is closed. Run as
 * `BENCH_FILE=/path node --import tsx bench/servers/braid-file.ts` (see control.ts).
 *
 * @module
 */

import type { Failure } from "../../src/errors/failure.js";
import type * as FileSenderModule from "../../src/producers/filesender.js";
import { braid } from "../lib/braid.js";
import { serveControl } from "./control.js";

const { FileSender } = (await import(
  new URL("../../dist/producers/filesender.js", import.meta.url).href
)) as typeof FileSenderModule;
const { Factory, Protocol, reactor } = braid;

const path = process.env.BENCH_FILE;
if (!path) throw new Error("BENCH_FILE is not set");

let live = 0;

class ServeFile extends Protocol {
  override connectionMade(): void {
    live++;
    const transport = this.transport!;
    new FileSender().beginFileTransfer(path!, transport).addCallbacks(
      () => transport.loseConnection(),
      () => transport.abortConnection(),
    );
  }

  override connectionLost(reason: Failure): void {
    live--;
    super.connectionLost(reason);
  }
}

const port = await reactor.listenTCP(
  0,
  Factory.forProtocol(ServeFile, { noisy: false }),
  511,
  "127.0.0.1",
);
const host = port.getHost() as { port?: number };
if (typeof host.port !== "number") throw new Error("listening port has no TCP port number");
reactor.run();
serveControl(host.port, () => live);
