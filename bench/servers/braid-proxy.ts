/**
 * Braid port forwarder: `ProxyFactory` on the real reactor, on 127.0.0.1, port 0, relaying every
 * connection to 127.0.0.1:$BENCH_UPSTREAM_PORT (an echo server). Run as
 * `BENCH_UPSTREAM_PORT=N node --import tsx bench/servers/braid-proxy.ts` (see control.ts).
 *
 * @module
 */

import type * as PortForward from "../../src/protocols/portforward.js";
import { braid } from "../lib/braid.js";
import { serveControl } from "./control.js";

const { ProxyFactory, ProxyServer } = (await import(
  new URL("../../dist/protocols/portforward.js", import.meta.url).href
)) as typeof PortForward;
const { reactor } = braid;

const upstream = Number(process.env.BENCH_UPSTREAM_PORT);
if (!(upstream > 0)) throw new Error("BENCH_UPSTREAM_PORT is not set");

let live = 0;

class CountingServer extends ProxyServer {
  override connectionMade(): void {
    live++;
    this.noisy = false;
    super.connectionMade();
  }

  override connectionLost(reason: Parameters<PortForward.ProxyServer["connectionLost"]>[0]): void {
    live--;
    super.connectionLost(reason);
  }
}

const factory = new ProxyFactory("127.0.0.1", upstream, reactor);
factory.protocol = CountingServer;
factory.noisy = false;
const port = await reactor.listenTCP(0, factory, 511, "127.0.0.1");
const host = port.getHost() as { port?: number };
if (typeof host.port !== "number") throw new Error("listening port has no TCP port number");
reactor.run();
serveControl(host.port, () => live);
