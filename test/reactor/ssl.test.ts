/**
 * listenSSL / connectSSL and startTLS on the real reactor, with the certificates of
 * test/fixtures/tls: verification against a private CA, untrusted and mismatched certificates,
 * client certificates, and a STARTTLS upgrade watched by a relay that records the wire.
 */

import assert from "node:assert/strict";
import { createServer, connect as netConnect, type Server } from "node:net";
import { after, describe, it } from "node:test";
import { CannotListenError, ConnectionDone, TLSError } from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import type {
  IListeningPort,
  ITLSTransport,
  TLSClientOptions,
  TLSServerOptions,
} from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import {
  fixture,
  portOf,
  Recorder,
  RecordingClientFactory,
  serverFactory,
  waitFor,
} from "../transports/helpers.js";

const reactor = new Reactor();
const ports: IListeningPort[] = [];
after(async () => {
  for (const p of ports) await p.stopListening();
});

const serverOptions: TLSServerOptions = { key: fixture("server.key"), cert: fixture("server.pem") };
const trusted: TLSClientOptions = { trustRoot: fixture("ca.pem"), hostname: "localhost" };

async function tlsEcho(
  options: TLSServerOptions = serverOptions,
): Promise<{ port: IListeningPort; made: Recorder[] }> {
  const made: Recorder[] = [];
  const port = await reactor.listenSSL(
    0,
    serverFactory(() => {
      const r = new Recorder();
      r.onData = (d) => r.transport!.write(d);
      made.push(r);
      return r;
    }),
    options,
    50,
    "127.0.0.1",
  );
  ports.push(port);
  return { port, made };
}

/** Connects with `options`; the client writes in connectionMade (before the handshake). */
async function attempt(
  port: IListeningPort,
  options: TLSClientOptions | undefined,
  host = "127.0.0.1",
) {
  const client = new Recorder();
  const origMade = client.connectionMade.bind(client);
  client.connectionMade = () => {
    origMade();
    client.transport!.write(Buffer.from("early bird"));
  };
  const cf = new RecordingClientFactory(() => client);
  reactor.connectSSL(host, portOf(port), cf, options);
  return { client, cf };
}

function isTLSFailure(f: Failure | null): boolean {
  return f?.check(TLSError) !== null && f !== null;
}

describe("listenSSL / connectSSL", () => {
  it("works with a private CA given as trustRoot; writes before the handshake are kept", async () => {
    const { port, made } = await tlsEcho();
    const { client, cf } = await attempt(port, trusted);
    await waitFor(() => client.receivedBytes() === 10, 5000, "echo");
    assert.equal(client.received().toString(), "early bird");
    assert.equal((client.transport as ITLSTransport).secure, true);
    assert.equal((made[0]!.transport as ITLSTransport).secure, true);
    client.transport!.loseConnection();
    await cf.done;
    assert.ok(cf.lostReason?.check(ConnectionDone), String(cf.lostReason?.value));
    assert.ok((await made[0]!.lost).check(ConnectionDone));
  });

  it("verifies against the system CAs by default: a private CA's certificate fails with TLSError", async () => {
    const { port, made } = await tlsEcho();
    const { client, cf } = await attempt(port, { hostname: "localhost" });
    await cf.done;
    assert.ok(
      cf.events.includes("clientConnectionLost"),
      "connectionMade ran on TCP connect, as Twisted",
    );
    assert.ok(isTLSFailure(cf.lostReason), String(cf.lostReason?.value));
    assert.ok(isTLSFailure(client.reason));
    assert.ok((cf.lostReason!.value as Error).cause instanceof Error, "cause is Node's error");
    assert.equal(client.receivedBytes(), 0);
    await waitFor(() => made[0]?.lostCount === 1, 5000, "server side lost");
    assert.ok(made[0]!.reason?.check(TLSError), String(made[0]!.reason?.value));
    assert.equal(made[0]!.receivedBytes(), 0, "nothing reached the server protocol");
  });

  it("rejects a certificate not signed by the trusted CA", async () => {
    const { port } = await tlsEcho({
      key: fixture("selfsigned.key"),
      cert: fixture("selfsigned.pem"),
    });
    const { cf } = await attempt(port, trusted);
    await cf.done;
    assert.ok(isTLSFailure(cf.lostReason), String(cf.lostReason?.value));
  });

  it("rejects a certificate for another host name", async () => {
    const { port } = await tlsEcho();
    const { cf } = await attempt(port, { trustRoot: fixture("ca.pem"), hostname: "example.com" });
    await cf.done;
    assert.ok(isTLSFailure(cf.lostReason), String(cf.lostReason?.value));
    const cause = (cf.lostReason!.value as Error).cause as { code?: string };
    assert.equal(cause.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("verifies the host name connected to when no hostname option is given", async () => {
    const { port } = await tlsEcho();
    const { client, cf } = await attempt(port, { trustRoot: fixture("ca.pem") }, "127.0.0.1");
    await waitFor(() => client.receivedBytes() === 10, 5000, "echo (127.0.0.1 is in the SAN)");
    client.transport!.loseConnection();
    await cf.done;
  });

  it("insecureSkipVerify accepts anything (tests only)", async () => {
    const { port } = await tlsEcho({
      key: fixture("selfsigned.key"),
      cert: fixture("selfsigned.pem"),
    });
    const { client, cf } = await attempt(port, {
      insecureSkipVerify: true,
      hostname: "example.com",
    });
    await waitFor(() => client.receivedBytes() === 10, 5000, "echo");
    client.transport!.loseConnection();
    await cf.done;
  });

  it("requires and checks client certificates when asked", async () => {
    const { port, made } = await tlsEcho({
      ...serverOptions,
      ca: fixture("ca.pem"),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const ok = await attempt(port, {
      ...trusted,
      clientCertificate: { key: fixture("client.key"), cert: fixture("client.pem") },
    });
    await waitFor(() => ok.client.receivedBytes() === 10, 5000, "echo with a client certificate");
    ok.client.transport!.loseConnection();
    await ok.cf.done;
    const anonymous = await attempt(port, trusted);
    await anonymous.cf.done;
    assert.equal(anonymous.client.receivedBytes(), 0);
    await waitFor(() => made.length === 2 && made[1]!.lostCount === 1, 5000, "server refused");
    assert.ok(made[1]!.reason?.check(TLSError), String(made[1]!.reason?.value));
  });

  it("fails to listen with CannotListenError when the key does not parse", async () => {
    await assert.rejects(
      async () =>
        reactor.listenSSL(
          0,
          serverFactory(() => null),
          { key: "nonsense", cert: "nonsense" },
        ),
      CannotListenError,
    );
  });
});

describe("startTLS", () => {
  let relay: Server | null = null;
  after(() => relay?.close());

  it("upgrades a live connection: clear text before, encrypted after", {
    timeout: 15_000,
  }, async () => {
    const server = new Recorder();
    server.onData = (d) => {
      const text = d.toString();
      if (text === "STARTTLS\n") {
        server.transport!.write(Buffer.from("GO\n"));
        (server.transport as ITLSTransport).startTLS(serverOptions, "server");
      } else {
        server.transport!.write(d); // echo, encrypted now
      }
    };
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => server),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    // A relay in the middle records the bytes on the wire.
    const wire: Buffer[] = [];
    relay = createServer((inbound) => {
      const outbound = netConnect(portOf(port), "127.0.0.1");
      inbound.on("data", (d: Buffer) => {
        wire.push(d);
        outbound.write(d);
      });
      outbound.on("data", (d: Buffer) => {
        wire.push(d);
        inbound.write(d);
      });
      inbound.on("end", () => outbound.end());
      outbound.on("end", () => inbound.end());
      inbound.on("error", () => outbound.destroy());
      outbound.on("error", () => inbound.destroy());
    });
    await new Promise<void>((r) => relay!.listen(0, "127.0.0.1", r));
    const relayPort = (relay.address() as { port: number }).port;

    const client = new Recorder();
    client.onData = (d) => {
      if (d.toString() === "GO\n") {
        const t = client.transport as ITLSTransport;
        assert.equal(t.secure, false);
        t.startTLS({ ...trusted }, "client");
        assert.equal(t.secure, true);
        t.write(Buffer.from("SENTINEL-SECRET-7f3a"));
      }
    };
    const cf = new RecordingClientFactory(() => client);
    reactor.connectTCP("127.0.0.1", relayPort, cf);
    await client.made;
    client.transport!.write(Buffer.from("STARTTLS\n"));
    await waitFor(
      () => client.received().toString().endsWith("SENTINEL-SECRET-7f3a"),
      10_000,
      "encrypted echo",
    );
    assert.equal(client.received().toString(), "GO\nSENTINEL-SECRET-7f3a");
    assert.equal(server.received().toString(), "STARTTLS\nSENTINEL-SECRET-7f3a");
    const onWire = Buffer.concat(wire).toString("latin1");
    assert.ok(onWire.includes("STARTTLS\n"), "clear text before the upgrade");
    assert.ok(onWire.includes("GO\n"));
    assert.ok(!onWire.includes("SENTINEL"), "nothing in clear after the upgrade");
    assert.throws(() => (client.transport as ITLSTransport).startTLS(trusted, "client"));
    client.transport!.loseConnection();
    await cf.done;
    assert.ok(cf.lostReason?.check(ConnectionDone), String(cf.lostReason?.value));
    assert.ok((await server.lost).check(ConnectionDone));
  });
});
