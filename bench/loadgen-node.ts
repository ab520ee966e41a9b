/**
 * Fallback load generator in Node, used when no C compiler is available: the same arguments and
 * output as bench/loadgen.c (see there). A Node client saturates its core before a Node server
 * does, so the harness marks its figures as lower bounds.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    h: { type: "string", short: "h", default: "127.0.0.1" },
    p: { type: "string", short: "p" },
    m: { type: "string", short: "m", default: "echo" },
    c: { type: "string", short: "c", default: "256" },
    s: { type: "string", short: "s", default: "64" },
    d: { type: "string", short: "d", default: "1" },
    w: { type: "string", short: "w", default: "1" },
    t: { type: "string", short: "t", default: "5" },
  },
});

const host = values.h;
const port = Number(values.p);
const idle = values.m === "idle";
const conns = Number(values.c);
const size = Number(values.s);
const depth = Number(values.d);
const warmup = Number(values.w);
const duration = Number(values.t);
if (!(port > 0 && conns > 0 && size > 0 && depth > 0)) {
  console.error(
    "usage: loadgen-node -p PORT [-m echo|idle] [-c N] [-s SIZE] [-d DEPTH] [-w S] [-t S]",
  );
  process.exit(2);
}

const payload = Buffer.alloc(size * depth, "a");
const sockets: Socket[] = [];
let connected = 0;
let failed = 0;
let closed = 0;
let messages = 0;
let bytes = 0;

function print(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function open(onReady: (s: Socket) => void, onDone: () => void): void {
  const s = connect({ host, port, noDelay: true });
  sockets.push(s);
  let up = false;
  s.on("connect", () => {
    up = true;
    connected++;
    onReady(s);
    onDone();
  });
  s.on("error", () => {
    if (!up) failed++;
  });
  s.on("close", () => {
    if (up) {
      connected--;
      closed++;
    } else onDone();
  });
}

function startEcho(s: Socket): void {
  let received = 0;
  let done = 0;
  s.write(payload);
  s.on("data", (d: Buffer) => {
    received += d.length;
    bytes += d.length;
    const now = Math.floor(received / size);
    const fresh = now - done;
    if (fresh > 0) {
      done = now;
      messages += fresh;
      s.write(payload.subarray(0, fresh * size));
    }
  });
}

if (idle) {
  let next = 0;
  let pending = 0;
  let settled = 0;
  const pump = () => {
    while (next < conns && pending < 256) {
      next++;
      pending++;
      open(
        () => {},
        () => {
          pending--;
          if (++settled === conns) print({ event: "ready", connected, failed });
          pump();
        },
      );
    }
  };
  pump();
  const finish = () => {
    print({ event: "done", connected, failed, closed });
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  process.stdin.on("end", finish).resume();
  setTimeout(finish, duration * 1000).unref();
} else {
  for (let i = 0; i < conns; i++) open(startEcho, () => {});
  setTimeout(() => {
    const m0 = messages;
    const b0 = bytes;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    print({ event: "window-start", connected });
    setTimeout(() => {
      const secs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      const m = messages - m0;
      const b = bytes - b0;
      print({
        event: "result",
        connected,
        failed,
        closed,
        seconds: secs,
        messages: m,
        bytes: b,
        msgs_per_s: m / secs,
        mib_per_s: b / secs / 1048576,
        cpu_pct: (100 * (cpu.user + cpu.system)) / 1e6 / secs,
      });
      for (const s of sockets) s.destroy();
      process.exit(0);
    }, duration * 1000);
  }, warmup * 1000);
}
