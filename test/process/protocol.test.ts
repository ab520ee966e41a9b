/**
 * `ProcessProtocol` without a process: the default dispatch of the per-descriptor events to the
 * stdio ones, and the connected state.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Failure } from "../../src/errors/failure.js";
import { ProcessDone } from "../../src/errors/process.js";
import type { IProcessTransport } from "../../src/process/interfaces.js";
import { ProcessProtocol } from "../../src/process/protocol.js";

class Dispatch extends ProcessProtocol {
  readonly calls: string[] = [];
  override connectionMade(): void {
    this.calls.push("connectionMade");
  }
  override outReceived(data: Uint8Array): void {
    this.calls.push(`out:${new TextDecoder().decode(data)}`);
  }
  override errReceived(data: Uint8Array): void {
    this.calls.push(`err:${new TextDecoder().decode(data)}`);
  }
  override inConnectionLost(): void {
    this.calls.push("in");
  }
  override outConnectionLost(): void {
    this.calls.push("outLost");
  }
  override errConnectionLost(): void {
    this.calls.push("errLost");
  }
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe("ProcessProtocol", () => {
  it("makeConnection sets the transport and connected, then calls connectionMade", () => {
    const p = new Dispatch();
    assert.equal(p.transport, null);
    assert.equal(p.connected, false);
    const t = {} as IProcessTransport;
    p.makeConnection(t);
    assert.equal(p.transport, t);
    assert.equal(p.connected, true);
    assert.deepEqual(p.calls, ["connectionMade"]);
  });

  it("childDataReceived dispatches fd 1 to outReceived and fd 2 to errReceived, ignores others", () => {
    const p = new Dispatch();
    p.childDataReceived(1, bytes("a"));
    p.childDataReceived(2, bytes("b"));
    p.childDataReceived(3, bytes("c"));
    p.childDataReceived(0, bytes("d"));
    assert.deepEqual(p.calls, ["out:a", "err:b"]);
  });

  it("childConnectionLost dispatches 0, 1 and 2 to the stdio events, ignores others", () => {
    const p = new Dispatch();
    for (const fd of [0, 1, 2, 3]) p.childConnectionLost(fd);
    assert.deepEqual(p.calls, ["in", "outLost", "errLost"]);
  });

  it("the default events do nothing, and processEnded clears connected", () => {
    const p = new ProcessProtocol();
    p.makeConnection({} as IProcessTransport);
    p.outReceived(bytes("x"));
    p.errReceived(bytes("x"));
    p.inConnectionLost();
    p.outConnectionLost();
    p.errConnectionLost();
    p.processExited(new Failure(new ProcessDone()));
    assert.equal(p.connected, true);
    p.processEnded(new Failure(new ProcessDone()));
    assert.equal(p.connected, false);
  });
});
