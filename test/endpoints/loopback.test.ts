/**
 * Endpoints on real sockets (loopback only): description strings to listening ports and
 * connections, with an echo round-trip over TCP, a UNIX socket and TLS, and HostnameEndpoint to
 * "localhost".
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { HostnameEndpoint } from "../../src/endpoints/hostname.js";
import type { IStreamClientEndpoint } from "../../src/endpoints/interfaces.js";
import { clientFromString, serverFromString } from "../../src/endpoints/parser.js";
import { quoteStringArgument } from "../../src/endpoints/syntax.js";
import { connectProtocol } from "../../src/endpoints/wrapping.js";
import {
  CannotListenError,
  ConnectingCancelledError,
  ConnectionRefusedError,
} from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";

const reactor = new Reactor();
const tls = fileURLToPath(new URL("../fixtures/tls/", import.meta.url));
const ports: IListeningPort[] = [];
after(async () => {
  for (const p of ports) await p.stopListening();
});

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

/** Collects what it receives; `received(text)` resolves once that much has arrived. */
class Collector extends Protocol {
  private text = "";
  private waiting: { want: string; resolve: (s: string) => void } | null = null;
  lost: Failure | null = null;

  received(want: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = { want, resolve };
      this.check();
    });
  }

  override dataReceived(data: Uint8Array): void {
    this.text += new TextDecoder().decode(data);
    this.check();
  }

  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.lost = reason;
  }

  private check(): void {
    if (this.waiting && this.text.length >= this.waiting.want.length) {
      this.waiting.resolve(this.text);
      this.waiting = null;
    }
  }
}

async function listen(description: string): Promise<IListeningPort> {
  const port = await serverFromString(reactor, description).listen(
    Factory.forProtocol(Echo, { noisy: false }),
  );
  ports.push(port);
  return port;
}

async function echoRoundTrip(endpoint: IStreamClientEndpoint): Promise<void> {
  const client = await connectProtocol(endpoint, new Collector());
  assert.equal(client.connected, true);
  const message = "hello, braid endpoints\n";
  client.transport!.write(new TextEncoder().encode(message));
  assert.equal(await client.received(message), message);
  client.transport!.loseConnection();
}

const portOf = (p: IListeningPort) => (p.getHost() as IPv4Address).port;

describe("endpoints on loopback sockets", { timeout: 20_000 }, () => {
  it("tcp: serverFromString and clientFromString echo", async () => {
    const port = await listen("tcp:0:interface=127.0.0.1");
    const host = port.getHost() as IPv4Address;
    assert.equal(host.host, "127.0.0.1");
    assert.notEqual(host.port, 0);
    await echoRoundTrip(
      clientFromString(reactor, `tcp:host=127.0.0.1:port=${host.port}:timeout=5`),
    );
  });

  it("tcp: a refused connection fails the Deferred", async () => {
    const port = await listen("tcp:0:interface=127.0.0.1");
    const number = portOf(port);
    await port.stopListening();
    ports.splice(ports.indexOf(port), 1);
    await assert.rejects(
      clientFromString(reactor, `tcp:127.0.0.1:${number}`)
        .connect(Factory.forProtocol(Collector))
        .asPromise(),
      ConnectionRefusedError,
    );
  });

  it("tcp: listening on a port in use fails with CannotListenError", async () => {
    const port = await listen("tcp:0:interface=127.0.0.1");
    await assert.rejects(
      serverFromString(reactor, `tcp:${portOf(port)}:interface=127.0.0.1`)
        .listen(Factory.forProtocol(Echo, { noisy: false }))
        .asPromise(),
      CannotListenError,
    );
  });

  it("unix: serverFromString and clientFromString echo", async () => {
    const path = join(tmpdir(), `braid-ep-${process.pid}:${Date.now()}.sock`);
    await listen(`unix:${quoteStringArgument(path)}:mode=600:lockfile=0`);
    assert.ok(existsSync(path));
    await echoRoundTrip(clientFromString(reactor, `unix:path=${quoteStringArgument(path)}`));
  });

  it("ssl: PEM files from the description, verified against the test CA", async () => {
    const port = await listen(
      `ssl:0:interface=127.0.0.1:privateKey=${tls}server.key:certKey=${tls}server.pem`,
    );
    await echoRoundTrip(
      clientFromString(
        reactor,
        `ssl:127.0.0.1:${portOf(port)}:trustRoots=${tls}ca.pem:hostname=localhost`,
      ),
    );
  });

  it("HostnameEndpoint: localhost", async () => {
    const v4 = await listen("tcp:0:interface=127.0.0.1");
    // Whichever of ::1 and 127.0.0.1 localhost resolves to first, 127.0.0.1 answers: an IPv6
    // attempt is refused (nothing listens there on this port) or loses the race.
    await echoRoundTrip(new HostnameEndpoint(reactor, "localhost", portOf(v4), { timeout: 5 }));
  });

  it("HostnameEndpoint: cancelling before the connection is made", async () => {
    const v4 = await listen("tcp:0:interface=127.0.0.1");
    const d = new HostnameEndpoint(reactor, "127.0.0.1", portOf(v4)).connect(
      Factory.forProtocol(Collector),
    );
    d.cancel();
    await assert.rejects(d.asPromise(), ConnectingCancelledError);
  });
});
