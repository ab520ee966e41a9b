/**
 * Baseline file server on raw `node:net`: each connection gets
 * `fs.createReadStream($BENCH_FILE).pipe(socket)`. Run as
 * `BENCH_FILE=/path node --import tsx bench/servers/raw-file.ts` (see control.ts).
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { createServer, type Socket } from "node:net";
import { serveControl } from "./control.js";

const path = process.env.BENCH_FILE;
if (!path) throw new Error("BENCH_FILE is not set");

const server = createServer({ noDelay: true }, (s: Socket) => {
  const file = createReadStream(path);
  s.on("error", () => file.destroy());
  file.on("error", () => s.destroy());
  file.pipe(s);
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
