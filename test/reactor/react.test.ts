/**
 * Tests of `react`: in this process with a private reactor (argv, exit codes, a reactor already
 * running), and in child processes with the shared reactor (exit codes 0, 1 and 3, and an
 * orderly shutdown on SIGTERM, forced by a second SIGTERM).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Deferred } from "../../src/defer/deferred.js";
import { ExitError, ReactorAlreadyRunning } from "../../src/errors/errors.js";
import { collectEvents } from "../../src/logger/capture.js";
import { react } from "../../src/reactor/react.js";
import { TestReactor } from "./fixtures/test-reactor.js";

const fixture = fileURLToPath(new URL("./fixtures/react-main.ts", import.meta.url));

function quiet(): TestReactor {
  const r = new TestReactor();
  r.installSignalHandlers = false;
  return r;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string): Promise<void>;
}

function start(mode: string): Run {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const watchers: Array<() => void> = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const w of [...watchers]) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (out.includes(text)) resolve();
        };
        watchers.push(check);
        exit.then(() => reject(new Error(`exited before printing ${text}: ${out} ${err}`)));
        check();
      }),
  };
}

describe("react (in this process)", () => {
  afterEach(() => {
    process.exitCode = 0;
  });

  it("calls main once running with argv, stops, and sets exit code 0", async () => {
    const r = quiet();
    const seen: unknown[] = [];
    const done = react(
      (reactor: TestReactor, a: string, b: number) => {
        seen.push(reactor === r, reactor.running, a, b);
      },
      ["x", 2],
      r,
    );
    await done;
    assert.deepEqual(seen, [true, true, "x", 2]);
    assert.equal(r.running, false);
    assert.equal(process.exitCode, 0);
  });

  it("waits for main's Deferred before stopping", async () => {
    const r = quiet();
    const d = new Deferred<void>();
    const done = react(() => d, [], r);
    await new Promise<void>((resolve) => r.callLater(0.02, resolve));
    assert.equal(r.running, true);
    d.callback(undefined);
    await done;
    assert.equal(r.running, false);
  });

  it("sets exit code 1 and logs when main fails", async () => {
    const r = quiet();
    const collector = collectEvents();
    try {
      await react(() => Promise.reject(new Error("broken")), [], r);
    } finally {
      collector.stop();
    }
    assert.equal(process.exitCode, 1);
    const logged = collector.events.find((e) => e.namespace === "braid.reactor");
    assert.equal((logged?.failure?.value as Error | undefined)?.message, "broken");
  });

  it("takes the exit code of an ExitError without logging it", async () => {
    const r = quiet();
    const collector = collectEvents();
    try {
      await react(
        () => {
          throw new ExitError(4);
        },
        [],
        r,
      );
    } finally {
      collector.stop();
    }
    assert.equal(process.exitCode, 4);
    assert.equal(collector.events.filter((e) => e.namespace === "braid.reactor").length, 0);
  });

  it("finishes when the reactor is stopped by someone else first", async () => {
    const r = quiet();
    const done = react(
      (reactor: TestReactor) => {
        reactor.stop();
        return new Deferred<void>();
      },
      [],
      r,
    );
    await done;
    assert.equal(process.exitCode, 0);
  });

  it("rejects with ReactorAlreadyRunning when the reactor already runs", async () => {
    const r = quiet();
    const stopped = r.run();
    let called = false;
    await assert.rejects(
      react(
        () => {
          called = true;
        },
        [],
        r,
      ),
      ReactorAlreadyRunning,
    );
    assert.equal(called, false);
    r.stop();
    await stopped;
  });
});

describe("react (child processes, shared reactor)", () => {
  it("exits with 0 when main succeeds", { timeout: 30_000 }, async () => {
    const run = start("ok");
    assert.equal(await run.exit, 0);
    assert.match(
      run.stdout(),
      /running=true\nargv=a,b\nshutdown trigger ran\nreact done, exitCode=0/,
    );
  });

  it("exits with 1 and logs when main fails", { timeout: 30_000 }, async () => {
    const run = start("fail");
    assert.equal(await run.exit, 1);
    assert.match(run.stdout(), /shutdown trigger ran/);
    assert.match(run.stderr(), /main function encountered an error[\s\S]*main went wrong/);
  });

  it("exits with 1 when main throws at once", { timeout: 30_000 }, async () => {
    const run = start("throw");
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /thrown at once/);
  });

  it("exits with an ExitError's code", { timeout: 30_000 }, async () => {
    const run = start("exit");
    assert.equal(await run.exit, 3);
    assert.equal(run.stderr(), "");
  });

  it("shuts down in order on SIGTERM and exits with 0", { timeout: 30_000 }, async () => {
    const run = start("wait");
    await run.waitFor("ready");
    run.child.kill("SIGTERM");
    assert.equal(await run.exit, 0);
    assert.match(run.stdout(), /ready\nshutdown trigger ran\nreact done, exitCode=0/);
  });

  it("exits at once with 1 on a second SIGTERM during shutdown", { timeout: 30_000 }, async () => {
    const run = start("hang");
    await run.waitFor("ready");
    run.child.kill("SIGTERM");
    await run.waitFor("stuck in shutdown");
    run.child.kill("SIGTERM");
    assert.equal(await run.exit, 1);
    assert.doesNotMatch(run.stdout(), /react done/);
  });
});
