/**
 * Interoperability with Twisted 22.4's AMP (Debian's python3-twisted, run with /usr/bin/python3):
 * a Braid client calls fixtures/twisted_amp_server.py, and fixtures/twisted_amp_client.py calls
 * a Braid server, with every argument type, a declared error, a fatal error, an undeclared error,
 * an unhandled command and a command that asks for no answer. Loopback only; each Python process
 * runs under a timeout and is killed in `after`.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { clientFromString, connectProtocol } from "../../../src/endpoints/index.js";
import { UnhandledCommand, UnknownRemoteError } from "../../../src/errors/amp.js";
import { ConnectionDone } from "../../../src/errors/errors.js";
import { Factory } from "../../../src/protocol/factory.js";
import { AMP } from "../../../src/protocols/amp/index.js";
import type { IListeningPort } from "../../../src/reactor/interfaces.js";
import { reactor } from "../../../src/reactor/reactor.js";
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

const PYTHON = "/usr/bin/python3";
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const hasTwisted =
  spawnSync(PYTHON, ["-c", "import twisted.protocols.amp"], { timeout: 10_000 }).status === 0;
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) c.kill("SIGKILL");
});

function python(script: string, args: string[]): ChildProcess {
  const child = spawn(PYTHON, [join(FIXTURES, script), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    timeout: 20_000,
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return { out: () => out, err: () => err };
}

describe("AMP interoperability with Twisted", { skip: !hasTwisted && "no Twisted" }, () => {
  describe("a Braid client calling a Twisted server", () => {
    let server: ChildProcess;
    let port = 0;

    before(async () => {
      server = python("twisted_amp_server.py", []);
      const io = collect(server);
      port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no port: ${io.err()}`)), 15_000);
        server.stdout!.on("data", () => {
          const m = /^(\d+)\n/.exec(io.out());
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        server.on("exit", () => reject(new Error(`server exited: ${io.err()}`)));
      });
    });

    after(() => {
      server.stdin!.end();
    });

    const connect = () =>
      connectProtocol(clientFromString(reactor, `tcp:127.0.0.1:${port}`), new AMP());

    it("calls a command", async () => {
      const amp = await connect();
      assert.deepEqual(await amp.callRemote(Sum, { a: 13, b: 81 }), { total: 94 });
      assert.deepEqual(await amp.callRemote(Divide, { numerator: 1, denominator: 4 }), {
        result: 0.25,
      });
      amp.transport!.loseConnection();
    });

    it("round-trips every argument type", async () => {
      const amp = await connect();
      const r = await amp.callRemote(EchoAll, SAMPLE);
      assert.deepEqual({ ...r, s: new Uint8Array(r.s) }, SAMPLE);
      amp.transport!.loseConnection();
    });

    it("gets a declared error back as its class", async () => {
      const amp = await connect();
      await assert.rejects(
        amp.callRemote(Divide, { numerator: 1, denominator: 0 }).asPromise(),
        (e) => {
          assert.ok(e instanceof DivideByZero);
          assert.equal(e.message, "cannot divide by zero");
          return true;
        },
      );
      // The connection survives a declared error.
      assert.deepEqual(await amp.callRemote(Sum, { a: 1, b: 1 }), { total: 2 });
      amp.transport!.loseConnection();
    });

    it("gets UNHANDLED for a command the server does not know", async () => {
      const amp = await connect();
      await assert.rejects(amp.callRemote(NoSuchCommand).asPromise(), (e) => {
        assert.ok(e instanceof UnhandledCommand);
        assert.match(e.message, /Unhandled Command: b'NoSuchCommand'/);
        return true;
      });
      amp.transport!.loseConnection();
    });

    it("sends commands that ask for no answer", async () => {
      const amp = await connect();
      assert.equal(amp.callRemote(Notify, { message: "from braid" }), undefined);
      const { notes } = await amp.callRemote(Notes);
      assert.ok(notes.includes("from braid"));
      amp.transport!.loseConnection();
    });

    it("gets UNKNOWN for an undeclared error, and the server closes the connection", async () => {
      const amp = await connect();
      await assert.rejects(amp.callRemote(Boom).asPromise(), UnknownRemoteError);
      const pending = amp.callRemote(Sum, { a: 1, b: 1 });
      await assert.rejects(pending.asPromise(), ConnectionDone);
    });

    it("gets a fatal error, and the connection is closed", async () => {
      const amp = await connect();
      await assert.rejects(amp.callRemote(Fatal).asPromise(), FatalProblem);
      await assert.rejects(amp.callRemote(Sum, { a: 1, b: 1 }).asPromise(), ConnectionDone);
    });
  });

  describe("a Twisted client calling a Braid server", () => {
    let listening: IListeningPort;

    before(async () => {
      listening = await reactor.listenTCP(0, Factory.forProtocol(TestServer), 50, "127.0.0.1");
    });

    after(async () => {
      await listening.stopListening();
    });

    it("passes every check of twisted_amp_client.py", async () => {
      const port = (listening.getHost() as { port: number }).port;
      const client = python("twisted_amp_client.py", [String(port)]);
      const io = collect(client);
      const code = await new Promise<number | null>((resolve) => client.on("exit", resolve));
      const line = io.out().trim().split("\n").pop() ?? "";
      let report: { results: Record<string, boolean>; problems: string[] };
      try {
        report = JSON.parse(line);
      } catch {
        assert.fail(`no report (exit ${code}): ${io.out()} ${io.err()}`);
      }
      assert.deepEqual(report.problems, [], io.err());
      assert.equal(code, 0);
      for (const name of [
        "sum",
        "declared_error",
        "echo_floats",
        "echo_when",
        "echo_records",
        "unhandled",
        "notify",
        "unknown_error",
        "fatal_error",
        "fatal_closed",
      ]) {
        assert.equal(report.results[name], true, name);
      }
    });
  });
});
