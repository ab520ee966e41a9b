import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Failure } from "../../src/errors/index.js";
import type { LogEvent } from "../../src/logger/interfaces.js";
import {
  eventAsJSON,
  formatEventAsText,
  jsonFileLogObserver,
  textFileLogObserver,
} from "../../src/logger/observers.js";

const T = Date.UTC(2026, 10, 22, 8, 30, 0, 123);

function fakeStream(): { chunks: string[]; write(s: string): void } {
  const chunks: string[] = [];
  return { chunks, write: (s) => void chunks.push(s) };
}

function event(overrides: Partial<LogEvent> = {}): LogEvent {
  return {
    namespace: "braid.tcp",
    level: "info",
    format: "Connection from {host}:{port} lost",
    time: T,
    fields: { host: "127.0.0.1", port: 5000 },
    ...overrides,
  };
}

function failureWithStack(): Failure {
  const error = new Error("boom");
  error.stack = "Error: boom\n    at handler (server.ts:10:5)";
  return new Failure(error);
}

describe("textFileLogObserver", () => {
  it("writes one line per event", () => {
    const stream = fakeStream();
    const observer = textFileLogObserver(stream);
    observer(event());
    observer(event({ level: "warn", namespace: "app", format: "plain" }));
    assert.deepEqual(stream.chunks, [
      "2026-11-22T08:30:00.123Z [braid.tcp#info] Connection from 127.0.0.1:5000 lost\n",
      "2026-11-22T08:30:00.123Z [app#warn] plain\n",
    ]);
  });

  it("indents the failure's traceback below the line", () => {
    const stream = fakeStream();
    textFileLogObserver(stream)(
      event({ level: "critical", format: "failed", failure: failureWithStack() }),
    );
    assert.deepEqual(stream.chunks, [
      "2026-11-22T08:30:00.123Z [braid.tcp#critical] failed\n" +
        "  Error: boom\n" +
        "      at handler (server.ts:10:5)\n",
    ]);
  });

  it("includes causes in the traceback", () => {
    const inner = new Error("inner");
    inner.stack = "Error: inner";
    const outer = new Error("outer", { cause: inner });
    outer.stack = "Error: outer";
    const text = formatEventAsText(event({ format: "x", failure: new Failure(outer) }));
    assert.equal(
      text,
      "2026-11-22T08:30:00.123Z [braid.tcp#info] x\n  Error: outer\n  Caused by: Error: inner\n",
    );
  });

  it("indents continuation lines of a multi-line message", () => {
    assert.equal(
      formatEventAsText(event({ format: "a\nb", fields: {} })),
      "2026-11-22T08:30:00.123Z [braid.tcp#info] a\n  b\n",
    );
  });

  it("uses a custom time format, and '-' when it throws or the time is invalid", () => {
    assert.equal(
      formatEventAsText(event({ format: "x" }), { timeFormat: (t) => `t=${t}` }),
      `t=${T} [braid.tcp#info] x\n`,
    );
    assert.equal(
      formatEventAsText(event({ format: "x" }), {
        timeFormat: () => {
          throw new Error("no");
        },
      }),
      "- [braid.tcp#info] x\n",
    );
    assert.equal(
      formatEventAsText(event({ format: "x", time: Number.NaN })),
      "- [braid.tcp#info] x\n",
    );
  });

  it("skips events without a format, unless they carry a failure", () => {
    const stream = fakeStream();
    const observer = textFileLogObserver(stream);
    observer(event({ format: undefined }));
    assert.deepEqual(stream.chunks, []);
    observer(event({ format: undefined, failure: failureWithStack() }));
    assert.deepEqual(stream.chunks, [
      "2026-11-22T08:30:00.123Z [braid.tcp#info] [Failure Error: boom]\n" +
        "  Error: boom\n" +
        "      at handler (server.ts:10:5)\n",
    ]);
  });
});

describe("jsonFileLogObserver", () => {
  it("writes one JSON object per line", () => {
    const stream = fakeStream();
    const observer = jsonFileLogObserver(stream);
    observer(event());
    observer(event({ format: undefined, fields: {} }));
    assert.equal(stream.chunks.length, 2);
    assert.equal(
      stream.chunks[0],
      `{"time":${T},"level":"info","namespace":"braid.tcp","format":"Connection from {host}:{port} lost",` +
        `"text":"Connection from 127.0.0.1:5000 lost","fields":{"host":"127.0.0.1","port":5000}}\n`,
    );
    assert.equal(
      stream.chunks[1],
      `{"time":${T},"level":"info","namespace":"braid.tcp","format":null,"text":"","fields":{}}\n`,
    );
  });

  it("includes the failure's type, message and traceback", () => {
    const parsed = JSON.parse(
      eventAsJSON(event({ format: "f", fields: {}, failure: failureWithStack() })),
    );
    assert.deepEqual(parsed.failure, {
      type: "Error",
      message: "boom",
      traceback: "Error: boom\n    at handler (server.ts:10:5)",
    });
    const thrownString = JSON.parse(eventAsJSON(event({ failure: new Failure("oops") })));
    assert.equal(thrownString.failure.type, "string");
    assert.equal(thrownString.failure.message, "oops");
  });

  it("replaces what JSON cannot encode instead of throwing", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const shared = { v: 1 };
    const throwing = {
      get bad(): number {
        throw new Error("getter");
      },
    };
    const fields = {
      cyclic,
      list: [shared, shared, undefined, () => 1],
      big: 12345678901234567890n,
      fn: function handler() {},
      sym: Symbol("s"),
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
      err: new RangeError("too far"),
      date: new Date(T),
      map: new Map([["k", 1]]),
      set: new Set([1, 2]),
      gone: undefined,
      throwing,
    };
    const parsed = JSON.parse(eventAsJSON(event({ format: "{cyclic.name}", fields })));
    assert.equal(parsed.text, "loop");
    assert.deepEqual(parsed.fields, {
      cyclic: { name: "loop", self: "[Circular]" },
      list: [{ v: 1 }, { v: 1 }, null, "[Function: anonymous]"],
      big: "12345678901234567890",
      fn: "[Function: handler]",
      sym: "Symbol(s)",
      nan: "NaN",
      inf: "-Infinity",
      err: "RangeError: too far",
      date: "2026-11-22T08:30:00.123Z",
      map: [["k", 1]],
      set: [1, 2],
      throwing: "[Unserializable]",
    });
  });

  it("truncates very deep values", () => {
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 40; i++) deep = { deep };
    const text = eventAsJSON(event({ fields: { deep } }));
    assert.ok(text.includes('"[Truncated]"'));
  });
});
