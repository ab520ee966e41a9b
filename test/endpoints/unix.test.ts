import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UNIXClientEndpoint, UNIXServerEndpoint } from "../../src/endpoints/unix.js";
import { ConnectingCancelledError, ConnectionRefusedError } from "../../src/errors/errors.js";
import { UNIXAddress } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { MemoryReactorClock } from "../../src/testing/index.js";
import { completeConnection, failureResultOf, Recorder, successResultOf } from "./fakes.js";

const factory = () => Factory.forProtocol(Recorder, { noisy: false });

describe("UNIXServerEndpoint", () => {
  it("listens with backlog 50, mode 0o666 and no lock file by default", () => {
    const reactor = new MemoryReactorClock();
    const ep = new UNIXServerEndpoint(reactor, "/tmp/s.sock");
    assert.deepEqual([ep.path, ep.backlog, ep.mode, ep.wantPID], ["/tmp/s.sock", 50, 0o666, false]);
    const port = successResultOf(ep.listen(factory()));
    assert.ok(port.getHost() instanceof UNIXAddress);
    const rec = reactor.unixServers[0]!;
    assert.deepEqual(
      [rec.path, rec.backlog, rec.mode, rec.wantPID],
      ["/tmp/s.sock", 50, 0o666, false],
    );
  });

  it("passes backlog, mode and wantPID on", () => {
    const reactor = new MemoryReactorClock();
    new UNIXServerEndpoint(reactor, "/tmp/t.sock", {
      backlog: 5,
      mode: 0o600,
      wantPID: true,
    }).listen(factory());
    const rec = reactor.unixServers[0]!;
    assert.deepEqual([rec.backlog, rec.mode, rec.wantPID], [5, 0o600, true]);
  });
});

describe("UNIXClientEndpoint", () => {
  it("connects to the path with timeout 30 by default", () => {
    const reactor = new MemoryReactorClock();
    const d = new UNIXClientEndpoint(reactor, "/tmp/s.sock").connect(factory());
    const rec = reactor.unixClients[0]!;
    assert.deepEqual([rec.path, rec.timeout], ["/tmp/s.sock", 30]);
    completeConnection(rec.connector);
    assert.ok(successResultOf(d) instanceof Recorder);
  });

  it("passes the timeout on, and fails or cancels like any client endpoint", () => {
    const reactor = new MemoryReactorClock();
    const ep = new UNIXClientEndpoint(reactor, "/tmp/s.sock", { timeout: 2 });
    const failed = ep.connect(factory());
    assert.equal(reactor.unixClients[0]!.timeout, 2);
    reactor.connectors[0]!.connectionFailed(new ConnectionRefusedError());
    assert.ok(failureResultOf(failed) instanceof ConnectionRefusedError);
    const cancelled = ep.connect(factory());
    cancelled.cancel();
    const err = failureResultOf(cancelled) as ConnectingCancelledError;
    assert.ok(err instanceof ConnectingCancelledError);
    assert.ok((err.address as UNIXAddress).equals(new UNIXAddress("/tmp/s.sock")));
  });
});
