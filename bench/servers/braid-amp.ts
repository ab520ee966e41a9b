/**
 * Braid's side of the AMP benchmark (bench/amp.ts), from the built package in `dist/`.
 *
 * - `braid-amp.ts server`: an AMP server answering `Sum` on 127.0.0.1, port 0, with the control
 *   channel of control.ts.
 * - `braid-amp.ts client PORT CONNS DEPTH SECONDS`: opens CONNS connections, keeps DEPTH `Sum`
 *   calls in flight on each for SECONDS, prints `{"calls":N,"seconds":S,"cpu":C}` and exits.
 *
 * @module
 */

import type { Failure } from "../../src/errors/failure.js";
import type * as AmpModule from "../../src/protocols/amp/index.js";
import { braid } from "../lib/braid.js";
import { serveControl } from "./control.js";

const amp = (await import(
  new URL("../../dist/protocols/amp/index.js", import.meta.url).href
)) as typeof AmpModule;
const { AMP, command, Integer } = amp;
const { Factory, reactor, clientFromString, connectProtocol } = braid;

const Sum = command("Sum", { arguments: { a: Integer, b: Integer }, response: { total: Integer } });

const [mode = "server", ...rest] = process.argv.slice(2);

if (mode === "server") {
  let live = 0;
  class Server extends AMP {
    constructor() {
      super();
      this.responder(Sum, ({ a, b }) => ({ total: a + b }));
    }
    override connectionMade(): void {
      live++;
    }
    override connectionLost(reason: Failure): void {
      live--;
      super.connectionLost(reason);
    }
  }
  const port = await reactor.listenTCP(
    0,
    Factory.forProtocol(Server, { noisy: false }),
    511,
    "127.0.0.1",
  );
  reactor.run();
  serveControl((port.getHost() as { port: number }).port, () => live);
} else {
  const [port, conns, depth, seconds] = rest.map(Number) as [number, number, number, number];
  const clients = await Promise.all(
    Array.from({ length: conns }, () =>
      connectProtocol(clientFromString(reactor, `tcp:127.0.0.1:${port}`), new AMP()).asPromise(),
    ),
  );
  let calls = 0;
  let running = true;
  const loop = (c: InstanceType<typeof AMP>): void => {
    c.callRemote(Sum, { a: calls, b: 1 }).addCallbacks(
      () => {
        calls++;
        if (running) loop(c);
      },
      () => {},
    );
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const start = calls;
  for (const c of clients) for (let i = 0; i < depth; i++) loop(c);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({ calls: calls - start, seconds: elapsed, cpu: (used.user + used.system) / 1e6 / elapsed })}\n`,
  );
  process.exit(0);
}
