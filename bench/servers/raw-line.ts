/**
 * Baseline line server on raw `node:net`: splits each `data` event on `\n` by hand (keeping an
 * unfinished line for the next event), answers each line with the same line, and sends all the
 * answers of one event with a single `write()` (PERF.md's baseline). `noDelay`, 127.0.0.1,
 * port 0, backlog 511. Run as `node --import tsx bench/servers/raw-line.ts` (see control.ts).
 *
 * @module
 */

import { createServer, type Socket } from "node:net";
import { serveControl } from "./control.js";

const NL = 0x0a;

function ignore(): void {}

const server = createServer({ noDelay: true }, (s: Socket) => {
  let rest: Buffer | null = null;
  s.on("data", (d: Buffer) => {
    const chunk = rest === null ? d : Buffer.concat([rest, d]);
    rest = null;
    const answers: Buffer[] = [];
    let pos = 0;
    for (let i = chunk.indexOf(NL, pos); i >= 0; i = chunk.indexOf(NL, pos)) {
      answers.push(chunk.subarray(pos, i + 1)); // the line, answered as it came
      pos = i + 1;
    }
    if (pos < chunk.length) rest = chunk.subarray(pos);
    if (answers.length === 1) s.write(answers[0]!);
    else if (answers.length > 1) s.write(Buffer.concat(answers));
  });
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
