/**
 * The PROXY protocol wrapper behind a real HAProxy (Debian's /usr/sbin/haproxy, in the
 * foreground with a generated configuration): a raw client connects through HAProxy, which sends
 * `send-proxy` (v1) or `send-proxy-v2` headers to a Braid server listening on `haproxy:tcp:…`;
 * the server must see the raw client's address and port as its peer. Braid's header writers
 * are checked the other way round: a client sends a header made by `formatV1Header` or
 * `formatV2Header` to an `accept-proxy` frontend, and HAProxy passes the addresses it claims on.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serverFromString } from "../../../src/endpoints/parser.js";
import { IPv4Address, IPv6Address } from "../../../src/protocol/address.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import "../../../src/protocols/haproxy/endpoint.js";
import { formatV1Header, formatV2Header } from "../../../src/protocols/haproxy/format.js";
import type { IListeningPort } from "../../../src/reactor/interfaces.js";
import { reactor } from "../../../src/reactor/reactor.js";
import { freePort } from "../irc/ngircd.js";

const HAPROXY = "/usr/sbin/haproxy";

/** Tells the client who it is, as the server sees it, then hangs up. */
class WhoAmI extends Protocol {
  override connectionMade(): void {
    const peer = this.transport!.getPeer();
    const host = this.transport!.getHost();
    this.transport!.write(new TextEncoder().encode(`peer=${peer} host=${host}\n`));
    this.transport!.loseConnection();
  }
}

/**
 * Connects to 127.0.0.1:`port` (sending `first` at once, if given), returns the client's own
 * address and everything received.
 */
async function ask(port: number, first?: Uint8Array): Promise<{ local: string; answer: string }> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  if (first !== undefined) socket.write(first);
  const local = `${socket.localAddress}:${socket.localPort}`;
  let answer = "";
  socket.setEncoding("utf8");
  socket.on("data", (s: string) => (answer += s));
  await new Promise<void>((resolve, reject) => {
    socket.once("close", () => resolve());
    socket.once("error", reject);
    socket.setTimeout(5000, () => reject(new Error(`no answer, got ${JSON.stringify(answer)}`)));
  });
  return { local, answer };
}

describe("HAProxyWrappingFactory behind haproxy", {
  skip: !existsSync(HAPROXY) && "haproxy is not installed",
}, () => {
  let dir: string;
  let child: ChildProcess | null = null;
  let output = "";
  let port: IListeningPort;
  const frontends = { v1: 0, v2: 0, acceptV1: 0, acceptV2: 0 };

  before(async () => {
    port = await serverFromString(reactor, "haproxy:tcp:0:interface=127.0.0.1").listen(
      Factory.forProtocol(WhoAmI, { noisy: false }),
    );
    const backend = (port.getHost() as IPv4Address).port;
    frontends.v1 = await freePort();
    frontends.v2 = await freePort();
    frontends.acceptV1 = await freePort();
    frontends.acceptV2 = await freePort();
    dir = await mkdtemp(join(tmpdir(), "braid-haproxy-"));
    const config = join(dir, "haproxy.cfg");
    await writeFile(
      config,
      [
        "global",
        "  maxconn 100",
        "defaults",
        "  mode tcp",
        "  timeout connect 5s",
        "  timeout client 10s",
        "  timeout server 10s",
        "frontend v1",
        `  bind 127.0.0.1:${frontends.v1}`,
        "  default_backend braid_v1",
        "frontend v2",
        `  bind 127.0.0.1:${frontends.v2}`,
        "  default_backend braid_v2",
        // accept-proxy takes either header version.
        "frontend accept_v1",
        `  bind 127.0.0.1:${frontends.acceptV1} accept-proxy`,
        "  default_backend braid_v2",
        "frontend accept_v2",
        `  bind 127.0.0.1:${frontends.acceptV2} accept-proxy`,
        "  default_backend braid_v2",
        "backend braid_v1",
        `  server braid 127.0.0.1:${backend} send-proxy`,
        "backend braid_v2",
        `  server braid 127.0.0.1:${backend} send-proxy-v2`,
        "",
      ].join("\n"),
    );
    const c = spawn(HAPROXY, ["-db", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    c.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    c.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    // Ready when the first two frontends accept connections (HAProxy binds every frontend before
    // it serves any: the accept-proxy ones are ready too).
    const deadline = Date.now() + 10_000;
    for (const p of [frontends.v1, frontends.v2]) {
      for (;;) {
        if (c.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
        const ok = await new Promise<boolean>((resolve) => {
          const s = net.connect(p, "127.0.0.1");
          s.once("connect", () => {
            s.destroy();
            resolve(true);
          });
          s.once("error", () => resolve(false));
        });
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`haproxy did not listen: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  after(async () => {
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child!.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    await port?.stopListening();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const version of ["v1", "v2"] as const) {
    it(`gives the server the real client's address with send-proxy${version === "v2" ? "-v2" : ""}`, async () => {
      const frontend = frontends[version];
      for (let i = 0; i < 3; i++) {
        const { local, answer } = await ask(frontend);
        assert.equal(answer, `peer=${local} host=127.0.0.1:${frontend}\n`, output);
      }
    });
  }

  const claims = [
    {
      version: "v1",
      source: new IPv4Address("TCP", "203.0.113.7", 4242),
      destination: new IPv4Address("TCP", "198.51.100.9", 80),
    },
    {
      version: "v2",
      source: new IPv6Address("TCP", "2001:db8::7", 4242),
      destination: new IPv6Address("TCP", "2001:db8::80", 443),
    },
  ] as const;
  for (const { version, source, destination } of claims) {
    it(`passes on the addresses a ${version} header from format${version.toUpperCase()}Header claims`, async () => {
      const header =
        version === "v1"
          ? formatV1Header(source, destination)
          : formatV2Header(source, destination);
      const frontend = version === "v1" ? frontends.acceptV1 : frontends.acceptV2;
      const { answer } = await ask(frontend, header);
      assert.equal(answer, `peer=${source} host=${destination}\n`, output);
    });
  }
});
