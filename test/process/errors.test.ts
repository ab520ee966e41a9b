/** The process error classes: codes, hierarchy, fields and default messages. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BraidError, ConnectionDone, ConnectionLost } from "../../src/errors/errors.js";
import {
  ChildFDMapError,
  ExecutableNotFoundError,
  ProcessDone,
  ProcessExitedAlready,
  ProcessSignalled,
  ProcessSpawnError,
  ProcessTerminated,
  PTYNotSupportedError,
  UnexpectedErrorOutput,
  WorkingDirectoryError,
} from "../../src/errors/process.js";

describe("process errors", () => {
  it("every class is a BraidError with a stable code and its own name", () => {
    const cases: [BraidError, string][] = [
      [new ProcessDone(), "ERR_PROCESS_DONE"],
      [new ProcessTerminated(1), "ERR_PROCESS_TERMINATED"],
      [new ProcessExitedAlready(), "ERR_PROCESS_EXITED_ALREADY"],
      [new ExecutableNotFoundError("x"), "ERR_PROCESS_EXECUTABLE_NOT_FOUND"],
      [new WorkingDirectoryError("/x"), "ERR_PROCESS_BAD_CWD"],
      [new ChildFDMapError(), "ERR_PROCESS_BAD_CHILD_FDS"],
      [new PTYNotSupportedError(), "ERR_PTY_NOT_SUPPORTED"],
      [new ProcessSpawnError(), "ERR_PROCESS_SPAWN"],
      [
        new UnexpectedErrorOutput(new Uint8Array(), Promise.resolve(new Error())),
        "ERR_PROCESS_UNEXPECTED_STDERR",
      ],
      [new ProcessSignalled(new Uint8Array(), new Uint8Array(), 9), "ERR_PROCESS_SIGNALLED"],
    ];
    for (const [e, code] of cases) {
      assert.ok(e instanceof BraidError);
      assert.equal(e.code, code);
      assert.equal(e.name, e.constructor.name);
      assert.ok(e.message.length > 0);
    }
  });

  it("ProcessDone is a ConnectionDone with exit code 0 and no signal", () => {
    const e = new ProcessDone();
    assert.ok(e instanceof ConnectionDone);
    assert.equal(e.exitCode, 0);
    assert.equal(e.signal, null);
    assert.equal(e.status, 0);
  });

  it("ProcessTerminated is a ConnectionLost with exitCode, signal and the wait status", () => {
    const byCode = new ProcessTerminated(3);
    assert.ok(byCode instanceof ConnectionLost);
    assert.equal(byCode.exitCode, 3);
    assert.equal(byCode.signal, null);
    assert.equal(byCode.status, 3 << 8);
    assert.match(byCode.message, /exit code 3/);
    const bySignal = new ProcessTerminated(null, 9, "SIGKILL");
    assert.equal(bySignal.exitCode, null);
    assert.equal(bySignal.signal, 9);
    assert.equal(bySignal.signalName, "SIGKILL");
    assert.equal(bySignal.status, 9);
    assert.match(bySignal.message, /signal 9 \(SIGKILL\)/);
    const notStarted = new ProcessTerminated(null, null, null, undefined, {
      cause: new Error("x"),
    });
    assert.equal(notStarted.status, null);
    assert.match(notStarted.message, /could not be started/);
  });

  it("ProcessSignalled carries the output and is a ProcessTerminated", () => {
    const e = new ProcessSignalled(Buffer.from("o"), Buffer.from("e"), 15, "SIGTERM");
    assert.ok(e instanceof ProcessTerminated);
    assert.equal(Buffer.from(e.out).toString(), "o");
    assert.equal(Buffer.from(e.err).toString(), "e");
    assert.equal(e.signal, 15);
  });

  it("UnexpectedErrorOutput quotes the start of the text", () => {
    const e = new UnexpectedErrorOutput(Buffer.from("oops\n"), Promise.resolve(new Error()));
    assert.equal(e.message, 'got stderr: "oops\\n"');
  });
});
