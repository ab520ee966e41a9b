/**
 * Tests of the AMP protocol in memory (StringTransport, IOPump): calls and answers, errors,
 * requiresAnswer=false, lost connections, bad input and limits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Deferred } from "../../../src/defer/deferred.js";
import {
  AmpLimitExceeded,
  MalformedAmpBox,
  RemoteAmpError,
  UnknownRemoteError,
} from "../../../src/errors/amp.js";
import { CancelledError, ConnectionDone, ConnectionLost } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import type { LogEvent } from "../../../src/logger/interfaces.js";
import { Logger } from "../../../src/logger/logger.js";
import {
  AMP,
  type AMPOptions,
  CommandLocator,
  command,
  Integer,
  parseBoxes,
  serializeBox,
} from "../../../src/protocols/amp/index.js";
import { connectedServerAndClient } from "../../../src/testing/iosim.js";
import { StringTransportWithDisconnection } from "../../../src/testing/stringtransport.js";
import { b, chunksOf } from "../helpers.js";
import {
  Boom,
  Divide,
  DivideByZero,
  EchoAll,
  Fatal,
  FatalProblem,
  NoSuchCommand,
  Notes,
  Notify,
  SAMPLE,
  Sum,
  TestServer,
} from "./commands.js";

function logged(): { events: LogEvent[]; options: AMPOptions } {
  const events: LogEvent[] = [];
  return { events, options: { logger: new Logger("test.amp", (e) => events.push(e)) } };
}

/** A protocol on a StringTransport that reports the disconnection to it. */
function onTransport<P extends AMP>(proto: P) {
  const transport = new StringTransportWithDisconnection();
  transport.protocol = proto;
  proto.makeConnection(transport);
  return transport;
}

/** The boxes written to `transport`, as plain objects of latin1 strings. */
function written(transport: StringTransportWithDisconnection): Record<string, string>[] {
  return parseBoxes(transport.value()).map((box) =>
    Object.fromEntries([...box].map(([k, v]) => [k, Buffer.from(v).toString("latin1")])),
  );
}

const settled = <T>(d: Deferred<T>) => {
  let result: T | Failure | undefined;
  d.addCallbacks(
    (v) => {
      result = v;
    },
    (f) => {
      result = f;
    },
  );
  return () => result;
};

describe("AMP", () => {
  it("sends a call as Twisted does: arguments, _command, _ask", () => {
    const amp = new AMP();
    const t = onTransport(amp);
    amp.callRemote(Sum, { a: 1, b: 2 });
    amp.callRemote(Sum, { a: 3, b: 4 });
    assert.deepEqual(written(t), [
      { a: "1", b: "2", _command: "Sum", _ask: "1" },
      { a: "3", b: "4", _command: "Sum", _ask: "2" },
    ]);
  });

  it("answers with _answer and the response", () => {
    const server = new TestServer();
    const t = onTransport(server);
    server.dataReceived(
      serializeBox([
        ["_command", b("Sum")],
        ["_ask", b("a1")],
        ["a", b("2")],
        ["b", b("40")],
      ]),
    );
    assert.deepEqual(written(t), [{ total: "42", _answer: "a1" }]);
  });

  it("calls and answers across a pump, one byte at a time", () => {
    const { client, pump } = connectedServerAndClient(new TestServer(), new AMP(), {
      chunkSize: 1,
    });
    const sum = settled(client.callRemote(Sum, { a: 1, b: 2 }));
    const echo = settled(client.callRemote(EchoAll, SAMPLE));
    pump.flush();
    assert.deepEqual(sum(), { total: 3 });
    const r = echo() as typeof SAMPLE;
    assert.deepEqual({ ...r, s: new Uint8Array(r.s) }, SAMPLE);
  });

  it("answers with Deferreds and Promises", async () => {
    const later = new Deferred<{ total: number }>();
    const server = new AMP()
      .responder(Sum, () => later)
      .responder(Divide, async ({ numerator }) => ({ result: numerator / 2 }));
    const { client, pump } = connectedServerAndClient(server, new AMP());
    const sum = client.callRemote(Sum, { a: 1, b: 2 });
    const div = client.callRemote(Divide, { numerator: 3, denominator: 1 });
    pump.flush();
    later.callback({ total: 99 });
    await new Promise((r) => setImmediate(r));
    pump.flush();
    assert.deepEqual(await sum, { total: 99 });
    assert.deepEqual(await div, { result: 1.5 });
  });

  it("shares responders through a CommandLocator", async () => {
    const locator = new CommandLocator().responder(Sum, ({ a, b }) => ({ total: a * b }));
    const own = new AMP({ locator }).responder(Sum, ({ a, b }) => ({ total: a - b }));
    const { client, pump } = connectedServerAndClient(own, new AMP());
    const d = client.callRemote(Sum, { a: 5, b: 3 });
    pump.flush();
    assert.deepEqual(await d, { total: 2 }); // the connection's own responder comes first
    const { client: c2, pump: p2 } = connectedServerAndClient(new AMP({ locator }), new AMP());
    const d2 = c2.callRemote(Sum, { a: 5, b: 3 });
    p2.flush();
    assert.deepEqual(await d2, { total: 15 });
  });

  describe("errors", () => {
    it("sends a declared error with its code; the caller gets the class, the connection stays", () => {
      const server = new TestServer();
      const t = onTransport(server);
      server.dataReceived(
        serializeBox([
          ["_command", b("Divide")],
          ["_ask", b("7")],
          ["numerator", b("1")],
          ["denominator", b("0")],
        ]),
      );
      assert.deepEqual(written(t), [
        { _error: "7", _error_code: "ZERO_DIVISION", _error_description: "cannot divide by zero" },
      ]);
      assert.equal(t.disconnecting, false);

      const { client, pump } = connectedServerAndClient(new TestServer(), new AMP());
      const r = settled(client.callRemote(Divide, { numerator: 1, denominator: 0 }));
      pump.flush();
      const f = r() as Failure;
      assert.ok(f.value instanceof DivideByZero);
      assert.equal((f.value as Error).message, "cannot divide by zero");
    });

    it("answers UNHANDLED for an unknown command and keeps the connection", () => {
      const server = new TestServer();
      const t = onTransport(server);
      server.dataReceived(
        serializeBox([
          ["_command", b("Nope")],
          ["_ask", b("1")],
        ]),
      );
      assert.deepEqual(written(t), [
        { _error: "1", _error_code: "UNHANDLED", _error_description: "Unhandled Command: b'Nope'" },
      ]);
      assert.equal(t.disconnecting, false);
    });

    it("answers UNKNOWN for an undeclared error, logs it and closes the connection", () => {
      const { events, options } = logged();
      const server = new TestServer(options);
      const t = onTransport(server);
      server.dataReceived(
        serializeBox([
          ["_command", b("Boom")],
          ["_ask", b("1")],
        ]),
      );
      assert.deepEqual(written(t), [
        { _error: "1", _error_code: "UNKNOWN", _error_description: "Unknown Error" },
      ]);
      assert.equal(t.disconnecting, true);
      assert.equal(events.length, 1);
      assert.match(String((events[0]!.failure!.value as Error).message), /boom/);
    });

    it("answers UNKNOWN for bad arguments and for a response that cannot be serialized", () => {
      const { events, options } = logged();
      const server = new AMP(options).responder(Sum, () => ({ total: "x" as unknown as number }));
      const t = onTransport(server);
      server.dataReceived(
        serializeBox([
          ["_command", b("Sum")],
          ["_ask", b("1")],
          ["a", b("1")],
          ["b", b("2")],
        ]),
      );
      assert.equal(written(t)[0]!._error_code, "UNKNOWN");
      assert.equal(events[0]!.failure?.value?.constructor.name, "BadLocalReturn");
      const s2 = new TestServer(options);
      const t2 = onTransport(s2);
      s2.dataReceived(
        serializeBox([
          ["_command", b("Sum")],
          ["_ask", b("1")],
          ["a", b("x")],
        ]),
      );
      assert.equal(written(t2)[0]!._error_code, "UNKNOWN");
    });

    it("sends a RemoteAmpError thrown by a responder as it is", () => {
      const server = new AMP().responder(Sum, () => {
        throw new RemoteAmpError("CUSTOM", "custom problem");
      });
      const t = onTransport(server);
      server.dataReceived(
        serializeBox([
          ["_command", b("Sum")],
          ["_ask", b("1")],
          ["a", b("1")],
          ["b", b("2")],
        ]),
      );
      assert.deepEqual(written(t), [
        { _error: "1", _error_code: "CUSTOM", _error_description: "custom problem" },
      ]);
    });

    it("gives UnknownRemoteError with the code for undeclared codes", () => {
      const client = new AMP();
      onTransport(client);
      const r = settled(client.callRemote(Sum, { a: 1, b: 2 }));
      client.dataReceived(
        serializeBox([
          ["_error", b("1")],
          ["_error_code", b("WEIRD")],
          ["_error_description", b("x")],
        ]),
      );
      const f = r() as Failure;
      assert.ok(f.value instanceof UnknownRemoteError);
      assert.equal((f.value as UnknownRemoteError).errorCode, "WEIRD");
    });

    it("closes the connection after a fatal error", () => {
      const { client, server, pump } = connectedServerAndClient(new TestServer(), new AMP());
      const r = settled(client.callRemote(Fatal));
      pump.flush();
      assert.ok((r() as Failure).value instanceof FatalProblem);
      assert.equal(server.connected, false);
      assert.equal(client.connected, false);
    });

    it("logs and closes on a failing command that asked for no answer", () => {
      const { events, options } = logged();
      const server = new AMP(options).responder(Notify, () => {
        throw new Error("nope");
      });
      const t = onTransport(server);
      server.dataReceived(
        serializeBox([
          ["_command", b("Notify")],
          ["message", b("hi")],
        ]),
      );
      assert.equal(t.value().length, 0);
      assert.equal(t.disconnecting, true);
      assert.equal(events.length, 1);
    });
  });

  it("runs requiresAnswer=false commands without answering", () => {
    const { client, server, pump } = connectedServerAndClient(new TestServer(), new AMP());
    assert.equal(client.callRemote(Notify, { message: "one" }), undefined);
    pump.flush();
    assert.deepEqual(server.notes, ["one"]);
    const r = settled(client.callRemote(Notes));
    pump.flush();
    assert.deepEqual(r(), { notes: ["one"] });
  });

  it("fails bad arguments locally without sending anything", () => {
    const amp = new AMP();
    const t = onTransport(amp);
    const r = settled(amp.callRemote(Sum, { a: 1 } as unknown as { a: number; b: number }));
    assert.equal((r() as Failure).value?.constructor.name, "InvalidSignature");
    assert.throws(() => amp.callRemote(Notify, {} as { message: string }), /missing message/);
    assert.equal(t.value().length, 0);
  });

  it("ignores the answer to a cancelled call", () => {
    const client = new AMP();
    const t = onTransport(client);
    const d = client.callRemote(Sum, { a: 1, b: 2 });
    const r = settled(d);
    d.cancel();
    assert.ok((r() as Failure).value instanceof CancelledError);
    client.dataReceived(
      serializeBox([
        ["_answer", b("1")],
        ["total", b("3")],
      ]),
    );
    assert.equal(t.disconnecting, false);
  });

  describe("losing the connection", () => {
    it("fails every pending call with the reason, and later calls too", () => {
      const client = new AMP();
      onTransport(client);
      const rs = [
        settled(client.callRemote(Sum, { a: 1, b: 2 })),
        settled(client.callRemote(NoSuchCommand)),
      ];
      client.connectionLost(new Failure(new ConnectionLost()));
      for (const r of rs) assert.ok((r() as Failure).value instanceof ConnectionLost);
      const later = settled(client.callRemote(Sum, { a: 1, b: 2 }));
      assert.ok((later() as Failure).value instanceof ConnectionLost);
    });

    it("fails pending calls with ConnectionDone on a clean close", () => {
      const { client, server, pump } = connectedServerAndClient(new TestServer(), new AMP());
      const r = settled(client.callRemote(Sum, { a: 1, b: 2 }));
      server.transport!.loseConnection();
      pump.flush();
      assert.ok((r() as Failure).value instanceof ConnectionDone);
    });
  });

  describe("bad input", () => {
    it("drops the connection on an answer to no question, logged; pending calls fail with it", () => {
      const { events, options } = logged();
      const client = new AMP(options);
      const t = onTransport(client);
      const r = settled(client.callRemote(Sum, { a: 1, b: 2 }));
      client.dataReceived(serializeBox([["_answer", b("99")]]));
      assert.equal(t.disconnecting, true);
      assert.equal(events.length, 1);
      assert.ok((r() as Failure).value instanceof MalformedAmpBox);
    });

    it("drops the connection on empty boxes and boxes of no kind", () => {
      for (const box of [serializeBox([]), serializeBox([["x", b("1")]])]) {
        const { options } = logged();
        const amp = new AMP(options);
        const t = onTransport(amp);
        amp.dataReceived(box);
        assert.equal(t.disconnecting, true);
      }
    });

    it("drops the connection on boxes over the limits", () => {
      const { options } = logged();
      const amp = new AMP({ ...options, maxBoxSize: 100, maxKeys: 4 });
      const t = onTransport(amp);
      const r = settled(amp.callRemote(Sum, { a: 1, b: 2 }));
      amp.dataReceived(
        serializeBox([
          ["_answer", b("1")],
          ["total", new Uint8Array(200)],
        ]),
      );
      assert.equal(t.disconnecting, true);
      assert.ok((r() as Failure).value instanceof AmpLimitExceeded);
    });

    it("never throws out of dataReceived on garbage, and ends in a clean disconnect (property)", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 1500 }),
          fc.integer({ min: 1, max: 64 }),
          (junk, size) => {
            const { events, options } = logged();
            const amp = new TestServer({ ...options, maxBoxSize: 2048, maxKeys: 32 });
            const t = onTransport(amp);
            for (const c of chunksOf(junk, size)) amp.dataReceived(c);
            // Either still parsing (incomplete input, or valid commands answered), or dropped
            // with the reason logged.
            if (events.length > 0) assert.equal(t.disconnecting, true);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("answers valid commands that precede garbage, then drops the connection", () => {
      const { options } = logged();
      const server = new TestServer(options);
      const t = onTransport(server);
      server.dataReceived(
        Buffer.concat([
          serializeBox([
            ["_command", b("Sum")],
            ["_ask", b("1")],
            ["a", b("1")],
            ["b", b("2")],
          ]),
          Uint8Array.of(0xff, 0xff, 1, 2, 3),
        ]),
      );
      assert.deepEqual(written(t), [{ total: "3", _answer: "1" }]);
      assert.equal(t.disconnecting, true);
    });
  });

  it("types a custom command end to end", async () => {
    const Double = command("Double", { arguments: { x: Integer }, response: { y: Integer } });
    const { client, pump } = connectedServerAndClient(
      new AMP().responder(Double, ({ x }) => ({ y: 2 * x })),
      new AMP(),
    );
    const d = client.callRemote(Double, { x: 21 });
    pump.flush();
    const { y } = await d;
    assert.equal(y, 42);
    assert.ok(DivideByZero);
    assert.ok(Boom);
  });
});
