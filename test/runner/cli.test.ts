/**
 * The `braid` command: help, version and usage errors in-process; every plugin as a child
 * process (`node bin/braid.js …`, the built package, no loader) on loopback, with SIGTERM during
 * in-flight exchanges, start-up failures, JSON logging and the demo.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/runner/cli.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixtures = join(root, "test", "runner", "fixtures");
const children = new Set<ChildProcess>();
const sockets = new Set<net.Socket>();

after(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const s of sockets) s.destroy();
});

/** The newest modification time under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

before(() => {
  const cli = join(root, "dist", "runner", "cli.js");
  const stale =
    !existsSync(cli) ||
    statSync(cli).mtimeMs <
      Math.max(newest(join(root, "src", "runner")), newest(join(root, "src", "application")));
  if (stale) {
    try {
      execFileSync(
        process.execPath,
        [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
        {
          cwd: root,
          stdio: "ignore",
        },
      );
    } catch {
      // Type errors elsewhere still emit; the tests below fail clearly if the build is missing.
    }
  }
});

/** A stream that keeps what is written. */
function sink() {
  let text = "";
  return {
    write: (s: string) => {
      text += s;
      return true;
    },
    text: () => text,
  };
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `braid args…`; resolves once stdout matches `ready` (or rejects if it exits first). */
async function braid(args: string[], ready: RegExp | null): Promise<Running> {
  const child = spawn(process.execPath, [join(root, "bin", "braid.js"), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const running = { child, stdout: () => out, stderr: () => err, exited };
  if (ready === null) return running;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`braid ${args.join(" ")} did not start: ${out} ${err}`)),
      15_000,
    );
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`braid exited early: ${out} ${err}`));
    });
  });
  return running;
}

function ports(output: string): number[] {
  return [...output.matchAll(/listening on 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

async function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  sockets.add(socket);
  await once(socket, "connect");
  socket.setEncoding("utf8");
  let received = "";
  const waiters: [RegExp, () => void][] = [];
  socket.on("data", (s: string) => {
    received += s;
    for (const w of [...waiters]) if (w[0].test(received)) w[1]();
  });
  const closed = once(socket, "close");
  return {
    socket,
    closed,
    received: () => received,
    until: (re: RegExp) =>
      new Promise<void>((resolve) => {
        if (re.test(received)) resolve();
        else waiters.push([re, resolve]);
      }),
  };
}

const LISTEN = ["--listen", "tcp:0:interface=127.0.0.1"];

describe("braid (in-process)", () => {
  it("--help lists the plugins and the global options", async () => {
    const out = sink();
    assert.equal(await main(["--help"], { stdout: out }), 0);
    for (const word of [
      "demo",
      "echo",
      "chat",
      "finger",
      "portforward",
      "run",
      "--log-format",
      "--grace",
    ]) {
      assert.ok(out.text().includes(word), word);
    }
  });

  it("<plugin> --help describes the plugin", async () => {
    const out = sink();
    assert.equal(await main(["portforward", "--help"], { stdout: out }), 0);
    assert.match(out.text(), /^Usage: braid portforward --connect ENDPOINT/);
    assert.match(out.text(), /--listen ENDPOINT/);
  });

  it("--version prints the version", async () => {
    const out = sink();
    assert.equal(await main(["--version"], { stdout: out }), 0);
    assert.match(out.text(), /^braid \d+\.\d+\.\d+/);
  });

  for (const [args, pattern] of [
    [["nope"], /^braid: Unknown plugin "nope"/],
    [["echo", "--bogus"], /^braid: Unknown option '--bogus'/],
    [["echo", "--listen", "tcp:nope"], /^braid: --listen: Invalid endpoint description/],
    [["echo", "--log-level", "loud"], /^braid: --log-level must be one of/],
    [["echo", "--grace", "soon"], /^braid: --grace must be a number/],
    [["portforward"], /^braid: portforward needs --connect/],
  ] as const) {
    it(`usage error: braid ${args.join(" ")} (one line, exit 2)`, async () => {
      const err = sink();
      const code = await main(args, { stderr: err, stdout: sink(), beginLogging: () => {} });
      assert.equal(code, 2);
      assert.match(err.text(), pattern);
      assert.equal(err.text().split("\n").length, 2, err.text());
    });
  }
});

describe("braid (child processes)", () => {
  it("echo prints its address; SIGTERM lets the exchange finish and exits 0", async () => {
    const run = await braid(["echo", ...LISTEN], /listening on/);
    assert.match(run.stdout(), /^braid echo: listening on 127\.0\.0\.1:\d+$/m);
    const c = await connect(ports(run.stdout())[0]!);
    c.socket.write("hello");
    await c.until(/hello/);
    run.child.kill("SIGTERM");
    c.socket.end(); // the client finishes its side; the server lets it
    assert.equal(await run.exited, 0);
  });

  it("run: a slow in-flight answer completes after SIGTERM, then exit 0", async () => {
    const run = await braid(
      ["run", join(fixtures, "slow-app.mjs"), "tcp:0:interface=127.0.0.1", "0.5"],
      /listening on/,
    );
    const c = await connect(ports(run.stdout())[0]!);
    c.socket.write("work");
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill("SIGTERM");
    await c.until(/got:work/);
    c.socket.end();
    assert.equal(await run.exited, 0);
    assert.match(run.stderr(), /Received SIGTERM/);
  });

  it("--grace: a connection left open is dropped once the grace is over; exit 0", async () => {
    const run = await braid(
      ["run", "--grace", "0.5", join(fixtures, "slow-app.mjs")],
      /listening on/,
    );
    const c = await connect(ports(run.stdout())[0]!);
    c.socket.on("error", () => {});
    const t0 = Date.now();
    run.child.kill("SIGTERM");
    await c.closed;
    assert.equal(await run.exited, 0);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 400 && elapsed < 5000, `exited after ${elapsed} ms`);
  });

  it("run: a module exporting `application`; a relative path resolves against the cwd", async () => {
    const run = await braid(["run", "./test/runner/fixtures/object-app.mjs"], /listening on/);
    const c = await connect(ports(run.stdout())[0]!);
    c.socket.write("ping");
    await c.until(/ping/);
    c.socket.end();
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
  });

  it("run: a module without a service is a one-line start-up error (exit 1)", async () => {
    const run = await braid(["run", join(fixtures, "no-service.mjs")], null);
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /^braid: .*no-service\.mjs exports neither "application"/);
    assert.equal(run.stderr().trim().split("\n").length, 1);
  });

  it("a port already in use gives one line on stderr and exit 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = await braid(["echo", "--listen", `tcp:${port}:interface=127.0.0.1`], null);
      assert.equal(await run.exited, 1);
      assert.match(run.stderr(), /^braid: Couldn't listen on 127\.0\.0\.1:\d+/);
      assert.equal(run.stderr().trim().split("\n").length, 1, run.stderr());
    } finally {
      blocker.close();
    }
  });

  it("finger: answers from --users; a missing file is a one-line error", async () => {
    const missing = await braid(["finger", "--users", "no/such/file.txt", ...LISTEN], null);
    assert.equal(await missing.exited, 1);
    assert.match(missing.stderr(), /^braid: cannot read the users file no\/such\/file\.txt/);

    const run = await braid(
      ["finger", "--users", join(fixtures, "users.txt"), ...LISTEN],
      /listening on/,
    );
    const c = await connect(ports(run.stdout())[0]!);
    c.socket.write("bob\r\n");
    await c.closed;
    assert.match(c.received(), /At his desk/);
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
  });

  it("--log-format json: stderr is JSON lines, with connections logged at debug level", async () => {
    const run = await braid(
      ["echo", "--log-format", "json", "--log-level", "debug", ...LISTEN],
      /listening on/,
    );
    const c = await connect(ports(run.stdout())[0]!);
    c.socket.write("x");
    await c.until(/x/);
    c.socket.end();
    await c.closed;
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
    const events = run
      .stderr()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: string; text: string });
    assert.ok(
      events.some(
        (e) => e.level === "debug" && /connection from 127\.0\.0\.1:\d+ opened/.test(e.text),
      ),
    );
    assert.ok(events.some((e) => e.level === "debug" && /closed/.test(e.text)));
  });

  it("portforward relays to --connect", async () => {
    const target = await braid(["echo", ...LISTEN], /listening on/);
    const targetPort = ports(target.stdout())[0]!;
    const forward = await braid(
      ["portforward", "--connect", `tcp:host=127.0.0.1:port=${targetPort}`, ...LISTEN],
      /listening on/,
    );
    const c = await connect(ports(forward.stdout())[0]!);
    c.socket.write("through");
    await c.until(/through/);
    c.socket.end();
    forward.child.kill("SIGTERM");
    target.child.kill("SIGTERM");
    assert.equal(await forward.exited, 0);
    assert.equal(await target.exited, 0);
  });

  it("the default (demo) starts echo, chat and finger and prints the banner", async () => {
    const run = await braid(["--port-base", "0"], /Press Ctrl-C/);
    const out = run.stdout();
    assert.match(out, /Braid demo is running/);
    assert.match(out, /nc 127\.0\.0\.1 \d+ {4}# echo/);
    assert.match(out, /# chat/);
    assert.match(out, /# finger/);
    const [echo, chat, finger] = ports(out);
    assert.ok(echo && chat && finger);
    const e = await connect(echo);
    e.socket.write("hi");
    await e.until(/hi/);
    e.socket.end();
    const ch = await connect(chat);
    await ch.until(/What's your name\?/);
    ch.socket.end();
    const f = await connect(finger);
    f.socket.write("moshez\n");
    await f.closed;
    assert.match(f.received(), /Happy and well/);
    run.child.kill("SIGINT");
    assert.equal(await run.exited, 0);
  });
});
