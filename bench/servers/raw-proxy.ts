/**
 * Baseline port forwarder on raw `node:net`: each accepted socket is connected to
 * 127.0.0.1:$BENCH_UPSTREAM_PORT and piped both ways (`client.pipe(upstream)`,
 * `upstream.pipe(client)`), with `noDelay`; reading from the client waits for the upstream
 * connection as in Braid's proxy. Run as `BENCH_UPSTREAM_PORT=N node --import tsx
 * bench/servers/raw-proxy.ts` (see control.ts).
 *
 * @module
 */

import { connect, createServer, type Socket } from "node:net";
import { serveControl } from "./control.js";

const upstream = Number(process.env.BENCH_UPSTREAM_PORT);
if (!(upstream > 0)) throw new Error("BENCH_UPSTREAM_PORT is not set");

const server = createServer({ noDelay: true, pauseOnConnect: true }, (client: Socket) => {
  const up = connect({ port: upstream, host: "127.0.0.1", noDelay: true });
  const close = () => {
    client.destroy();
    up.destroy();
  };
  client.on("error", close);
  up.on("error", close);
  client.on("close", close);
  up.on("close", close);
  up.on("connect", () => {
    client.pipe(up);
    up.pipe(client);
    client.resume();
  });
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
