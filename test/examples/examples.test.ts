/**
 * Smoke tests for the runnable examples: each runs as its own process on loopback, a raw
 * `node:net` client talks to it, and SIGTERM must shut it down in order with exit code 0.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) c.kill("SIGKILL");
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts an example with tsx and waits until its output matches `ready`. */
async function start(
  script: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`${script} exited early: ${out}`));
    });
  });
  return { child, output: () => out, exited };
}

function portFrom(output: string): number {
  const m = /127\.0\.0\.1:(\d+)/.exec(output);
  assert.ok(m, `no port in: ${output}`);
  return Number(m[1]);
}

/** A line-oriented raw client: `next()` resolves with the next complete line. */
async function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  let buffer = "";
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const line = buffer.slice(0, i).replace(/\r$/, "");
      buffer = buffer.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const closed = once(socket, "close");
  return {
    socket,
    closed,
    send: (text: string) => socket.write(text),
    next: () =>
      new Promise<string>((resolve) => {
        const l = lines.shift();
        if (l !== undefined) resolve(l);
        else waiters.push(resolve);
      }),
    rest: () => buffer,
  };
}

async function freePortBase(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const servers: net.Server[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const s = net.createServer();
        servers.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once("error", reject);
          s.listen(base + i, "127.0.0.1", resolve);
        });
      }
      return base;
    } catch {
      // taken: try another range
    } finally {
      for (const s of servers) s.close();
    }
  }
  throw new Error("no free port range");
}

describe("examples", { timeout: 60_000 }, () => {
  it("echo server echoes, and the echo client reports each connection event", async () => {
    const server = await start(
      "examples/echo-server.ts",
      ["tcp:0:interface=127.0.0.1"],
      /listening on/,
    );
    const port = portFrom(server.output());
    const client = await start(
      "examples/echo-client.ts",
      ["127.0.0.1", String(port), "ping pong"],
      /connection lost/,
    );
    assert.equal(await client.exited, 0);
    assert.match(client.output(), /started connecting to 127\.0\.0\.1:\d+/);
    assert.match(client.output(), /server said: ping pong/);
    assert.match(client.output(), /connection lost: Connection was closed cleanly/);
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  });

  it("echo client reports a refused connection", async () => {
    const port = await freePortBase(1);
    const client = await start(
      "examples/echo-client.ts",
      ["127.0.0.1", String(port)],
      /connection failed/,
    );
    assert.equal(await client.exited, 0);
    assert.match(client.output(), /connection failed: Connection was refused/);
  });

  for (const [step, question, answer] of [
    ["step1-no-such-user", "alice", "No such user"],
    ["step2-dictionary", "moshez", "Happy and well"],
    ["step3-deferred", "moshez", "Happy and well"],
    ["step3-deferred", "nobody", "No such user"],
    ["step3-deferred", "broken", "Internal error in server"],
  ] as const) {
    it(`finger ${step} answers ${question}`, async () => {
      const server = await start(
        `examples/finger/${step}.ts`,
        ["tcp:0:interface=127.0.0.1"],
        /finger .* on/,
      );
      const c = await connect(portFrom(server.output()));
      c.send(`${question}\n`);
      assert.equal(await c.next(), answer);
      await c.closed;
      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 0);
    });
  }

  it("chat server asks for names, refuses a taken one and relays lines", async () => {
    const server = await start(
      "examples/chat-server.ts",
      ["tcp:0:interface=127.0.0.1"],
      /chat server on/,
    );
    const port = portFrom(server.output());
    const alice = await connect(port);
    const bob = await connect(port);
    assert.equal(await alice.next(), "What's your name?");
    assert.equal(await bob.next(), "What's your name?");
    alice.send("alice\n");
    assert.equal(await alice.next(), "Welcome, alice!");
    bob.send("alice\n");
    assert.equal(await bob.next(), "Name taken, please choose another.");
    bob.send("bob\r\n");
    assert.equal(await bob.next(), "Welcome, bob!");
    alice.send("hi bob\n");
    assert.equal(await bob.next(), "<alice> hi bob");
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
    await alice.closed;
    await bob.closed;
  });

  it("the AMP calculator example calls its server and exits 0", async () => {
    const run = await start("examples/amp-calculator.ts", [], /13 \+ 81 = 94/);
    assert.equal(await run.exited, 0);
  });
});
