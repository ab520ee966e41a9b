/**
 * An orderly shutdown of the real reactor over real TCP: "before" triggers run while ports and
 * connections are still up; then ports stop listening and connections close (cleanly when the
 * peer cooperates, aborted after the grace when it does not); then "after" triggers run.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { describe, it } from "node:test";
import { ConnectionDone } from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { Reactor } from "../../src/reactor/reactor.js";

const events: string[] = [];

class Recording extends Protocol {
  override connectionMade(): void {
    events.push("server: connection made");
  }
  override connectionLost(reason: Failure): void {
    events.push(
      `server: connection lost (${reason.check(ConnectionDone) ? "clean" : reason.type?.name})`,
    );
    super.connectionLost(reason);
  }
}

function quietReactor(): Reactor {
  const r = new Reactor();
  r.installSignalHandlers = false;
  return r;
}

describe("reactor shutdown over TCP", { timeout: 20_000 }, () => {
  it("runs before-triggers first, then closes ports and connections, then after-triggers", async () => {
    events.length = 0;
    const r = quietReactor();
    const port = await r.listenTCP(
      0,
      Factory.forProtocol(Recording, { noisy: false }),
      50,
      "127.0.0.1",
    );
    const portNumber = (port.getHost() as IPv4Address).port;

    const client = net.connect(portNumber, "127.0.0.1");
    await once(client, "connect");
    // The peer closes its side when the server closes, as a well-behaved client does.
    client.on("end", () => client.end());
    const clientClosed = once(client, "close");

    // "before" triggers run while the port still accepts; the reactor waits for their result.
    r.addSystemEventTrigger("before", "shutdown", () =>
      connectOnce(portNumber).then(() => {
        events.push("before: still accepting");
      }),
    );
    r.addSystemEventTrigger("after", "shutdown", () => {
      events.push("after");
    });

    const stopped = r.run();
    await waitFor(() => events.includes("server: connection made"));
    r.stop();
    await stopped;
    await clientClosed;

    assert.deepEqual(events[0], "server: connection made");
    assert.ok(
      events.indexOf("after") > events.indexOf("server: connection lost (clean)"),
      events.join("; "),
    );
    const before = events.indexOf("before: still accepting");
    assert.ok(before >= 0, events.join("; "));
    assert.ok(before < events.indexOf("server: connection lost (clean)"), events.join("; "));
    assert.equal(r.running, false);
    await assert.rejects(connectOnce(portNumber), /ECONNREFUSED/);
  });

  it("aborts a connection whose peer does not close within the grace", async () => {
    events.length = 0;
    const r = quietReactor();
    r.shutdownGrace = 0.2;
    const port = await r.listenTCP(
      0,
      Factory.forProtocol(Recording, { noisy: false }),
      50,
      "127.0.0.1",
    );
    const client = net.connect((port.getHost() as IPv4Address).port, "127.0.0.1");
    await once(client, "connect");
    // This peer never answers the server's close: it only reads.
    client.on("data", () => undefined);
    client.on("error", () => undefined);
    const stopped = r.run();
    await waitFor(() => events.includes("server: connection made"));
    const t0 = performance.now();
    r.stop();
    await stopped;
    const took = performance.now() - t0;
    assert.ok(
      events.some((e) => e.startsWith("server: connection lost")),
      events.join("; "),
    );
    assert.ok(took < 5000, `shutdown took ${took} ms`);
    client.destroy();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve();
    });
    s.once("error", reject);
  });
}
