/**
 * Tests for the finger protocols: the server on `StringTransport`, the services (dictionary and
 * file, re-read on a `Clock`), the client against the server in memory and over loopback, and
 * Debian's `finger` client (/usr/bin/finger, which only talks to port 79) against the server.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { Deferred, fail, succeed } from "../../src/defer/deferred.js";
import { TCP4ClientEndpoint } from "../../src/endpoints/tcp.js";
import { ConnectionLost } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { collectEvents } from "../../src/logger/capture.js";
import { IPv4Address } from "../../src/protocol/address.js";
import {
  DictFingerService,
  FileFingerService,
  FingerClient,
  FingerFactory,
  type FingerProtocol,
  finger,
  type IFingerService,
  INTERNAL_ERROR,
  NO_SUCH_USER,
  parseFingerUsers,
} from "../../src/protocols/finger.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { reactor } from "../../src/reactor/reactor.js";
import { connectedServerAndClient } from "../../src/testing/iosim.js";
import { StringTransportWithDisconnection } from "../../src/testing/stringtransport.js";
import { Clock } from "../../src/time/clock.js";

const enc = new TextEncoder();
const addr = new IPv4Address("TCP", "127.0.0.1", 5555);
const users = { moshez: "Happy and well", alice: "Out to lunch" };

function ask(service: IFingerService, ...chunks: string[]) {
  const p = new FingerFactory(service).buildProtocol(addr) as FingerProtocol;
  const t = new StringTransportWithDisconnection();
  t.protocol = p;
  p.makeConnection(t);
  for (const c of chunks) p.dataReceived(enc.encode(c));
  return { p, t };
}

describe("FingerProtocol", () => {
  it("answers a known user and closes", () => {
    const { t } = ask(new DictFingerService(users), "moshez\r\n");
    assert.equal(t.valueText(), "Happy and well\r\n");
    assert.equal(t.disconnecting, true);
  });

  it("answers an unknown user, accepts a bare LF and RFC 1288's /W", () => {
    assert.equal(
      ask(new DictFingerService(users), "nobody\n").t.valueText(),
      `${NO_SUCH_USER}\r\n`,
    );
    assert.equal(
      ask(new DictFingerService(users), "/W alice\r\n").t.valueText(),
      "Out to lunch\r\n",
    );
  });

  it("lists the users for an empty line", () => {
    assert.equal(ask(new DictFingerService(users), "\r\n").t.valueText(), "moshez\r\nalice\r\n");
    assert.equal(ask(new DictFingerService(), "\n").t.valueText(), "\r\n");
  });

  it("answers whatever way the query is cut", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 8 }), (cuts) => {
        const input = "moshez\r\n";
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const pieces: string[] = [];
        let prev = 0;
        for (const c of points) {
          pieces.push(input.slice(prev, c));
          prev = c;
        }
        pieces.push(input.slice(prev));
        const { t } = ask(new DictFingerService(users), ...pieces);
        assert.equal(t.valueText(), "Happy and well\r\n");
      }),
    );
  });

  it("answers only the first line", () => {
    const { t } = ask(new DictFingerService(users), "moshez\r\nalice\r\n");
    assert.equal(t.valueText(), "Happy and well\r\n");
  });

  it("waits for a Deferred answer, and answers a failure with an apology (logged)", () => {
    const d = new Deferred<string>();
    const slow: IFingerService = { getUser: () => d, getUsers: () => succeed([]) };
    const { t } = ask(slow, "moshez\r\n");
    assert.equal(t.valueText(), "");
    d.callback("Finally");
    assert.equal(t.valueText(), "Finally\r\n");

    const events = collectEvents();
    try {
      const broken: IFingerService = {
        getUser: () => fail(new Error("database down")),
        getUsers: () => fail(new Error("database down")),
      };
      assert.equal(ask(broken, "moshez\r\n").t.valueText(), `${INTERNAL_ERROR}\r\n`);
      assert.equal(ask(broken, "\r\n").t.valueText(), `${INTERNAL_ERROR}\r\n`);
      assert.equal(events.events.filter((e) => e.failure !== undefined).length, 2);
    } finally {
      events.stop();
    }
  });

  it("cancels a pending lookup when the client goes away, quietly", () => {
    let cancelled = false;
    const d = new Deferred<string>(() => {
      cancelled = true;
    });
    const events = collectEvents();
    try {
      const { p, t } = ask({ getUser: () => d, getUsers: () => succeed([]) }, "moshez\r\n");
      p.connectionLost(new Failure(new ConnectionLost()));
      assert.equal(cancelled, true);
      assert.equal(t.valueText(), "");
      assert.equal(events.events.filter((e) => e.failure !== undefined).length, 0);
    } finally {
      events.stop();
    }
  });

  it("writes multi-line entries with CRLF", () => {
    const { t } = ask(new DictFingerService({ bob: "line one\nline two" }), "bob\r\n");
    assert.equal(t.valueText(), "line one\r\nline two\r\n");
  });
});

describe("finger services", () => {
  it("DictFingerService takes a record or a Map", async () => {
    const s = new DictFingerService(new Map([["a", "b"]]));
    assert.equal(await s.getUser("a"), "b");
    assert.deepEqual(await s.getUsers(), ["a"]);
  });

  it("parseFingerUsers reads user:info and user info lines", () => {
    const parsed = parseFingerUsers(
      "# comment\nmoshez:Happy and well\n\n  alice   Out to lunch \r\nbob: \ncarol\nmoshez: again\n",
    );
    assert.deepEqual(
      [...parsed],
      [
        ["moshez", "again"],
        ["alice", "Out to lunch"],
        ["bob", ""],
        ["carol", ""],
      ],
    );
  });

  describe("FileFingerService", () => {
    const dir = mkdtempSync(join(tmpdir(), "braid-finger-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    async function until(cond: () => boolean): Promise<void> {
      const deadline = Date.now() + 5000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error("timed out waiting");
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    it("reads the file, and re-reads it when it changes, on the clock", async () => {
      const path = join(dir, "users");
      writeFileSync(path, "moshez:Happy and well\n");
      const clock = new Clock();
      const s = new FileFingerService(path, { clock, interval: 30 });
      const pending = s.getUser("moshez"); // before the first read: waits for it
      await s.startService();
      assert.equal(s.running, true);
      assert.equal(await pending, "Happy and well");
      assert.equal(await s.getUser("alice"), NO_SUCH_USER);
      writeFileSync(path, "moshez:Happy and well\nalice:Out to lunch\n");
      clock.advance(30);
      await until(() => s.users.has("alice"));
      assert.equal(await s.getUser("alice"), "Out to lunch");
      assert.deepEqual(await s.getUsers(), ["moshez", "alice"]);
      s.stopService();
      assert.equal(s.running, false);
      assert.equal(clock.getDelayedCalls().length, 0);
    });

    it("keeps the last good users when the file goes away, and fails startService when it cannot read", async () => {
      const path = join(dir, "gone");
      writeFileSync(path, "a b\n");
      const clock = new Clock();
      const s = new FileFingerService(path, { clock, interval: 1 });
      await s.startService();
      rmSync(path);
      const events = collectEvents();
      try {
        clock.advance(1);
        await until(() => events.events.some((e) => e.failure !== undefined));
      } finally {
        events.stop();
      }
      assert.equal(await s.getUser("a"), "b");
      s.stopService();
      const missing = new FileFingerService(join(dir, "nope"));
      await assert.rejects(async () => missing.startService(), /ENOENT/);
      assert.throws(() => new FileFingerService(path, { interval: 0 }), RangeError);
    });
  });
});

describe("FingerClient", () => {
  it("sends the query and fires with the answer when the server closes", async () => {
    const client = new FingerClient("moshez");
    const { pump } = connectedServerAndClient(
      new FingerFactory(new DictFingerService(users)),
      client,
    );
    pump.flush();
    assert.equal(await client.answer, "Happy and well\n");
  });

  it("fails when the connection is lost abnormally", async () => {
    const client = new FingerClient("moshez");
    const t = new StringTransportWithDisconnection();
    t.protocol = client;
    client.makeConnection(t);
    assert.equal(t.valueText(), "moshez\r\n");
    client.connectionLost(new Failure(new ConnectionLost()));
    await assert.rejects(async () => client.answer, ConnectionLost);
  });

  describe("over loopback", () => {
    let port: IListeningPort | null = null;
    after(async () => {
      await port?.stopListening();
    });

    it("finger(endpoint, user) asks a Braid server", async () => {
      const factory = new FingerFactory(new DictFingerService(users));
      factory.noisy = false;
      port = await reactor.listenTCP(0, factory, 50, "127.0.0.1");
      const endpoint = new TCP4ClientEndpoint(
        reactor,
        "127.0.0.1",
        (port.getHost() as IPv4Address).port,
      );
      assert.equal(await finger(endpoint, "alice"), "Out to lunch\n");
      assert.equal(await finger(endpoint, ""), "moshez\nalice\n");
    });
  });
});

describe("Debian's finger client against the Braid server", { timeout: 15_000 }, () => {
  let port: IListeningPort | null = null;
  after(async () => {
    await port?.stopListening();
  });

  it("/usr/bin/finger moshez@127.0.0.1 prints the entry", async () => {
    assert.equal(
      process.getuid?.(),
      0,
      "this test binds 127.0.0.1:79 (Debian's finger only talks to port 79), which needs root: " +
        "run the tests as root, as CI does",
    );
    const factory = new FingerFactory(new DictFingerService(users));
    factory.noisy = false;
    try {
      port = await reactor.listenTCP(79, factory, 50, "127.0.0.1");
    } catch (e) {
      assert.fail(
        `could not listen on 127.0.0.1:79 for Debian's finger client (is another finger server ` +
          `running?): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const out = await new Promise<string>((resolve, reject) => {
      execFile("/usr/bin/finger", ["moshez@127.0.0.1"], { timeout: 10_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    assert.match(out, /Happy and well/);
  });
});
