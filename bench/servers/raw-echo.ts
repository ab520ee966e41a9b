/**
 * Baseline echo server on raw `node:net`: what the goals compare Braid with.
 *
 * `net.createServer(s => s.on('data', d => s.write(d)))` with `noDelay`, on 127.0.0.1, port 0,
 * backlog 511. Run as `node --import tsx bench/servers/raw-echo.ts` (see control.ts).
 *
 * @module
 */

import { createServer, type Socket } from "node:net";
import { serveControl } from "./control.js";

function ignore(): void {}

const server = createServer({ noDelay: true }, (s: Socket) => {
  s.on("data", (d) => s.write(d));
  // A peer that goes away mid-write (the load generator stopping) must not crash the server.
  s.on("error", ignore);
});

server.listen({ port: 0, host: "127.0.0.1", backlog: 511 }, () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no TCP address");
  serveControl(
    addr.port,
    () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      ),
  );
});
