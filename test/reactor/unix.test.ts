/**
 * listenUNIX / connectUNIX on the real reactor: addresses, socket mode, lock files (wantPID),
 * stale sockets, failures and half-close.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import {
  CannotListenError,
  ConnectError,
  ConnectionDone,
  ConnectionRefusedError,
} from "../../src/errors/errors.js";
import { UNIXAddress } from "../../src/protocol/address.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import {
  HalfCloseRecorder,
  Recorder,
  RecordingClientFactory,
  serverFactory,
  socketPath,
  waitFor,
} from "../transports/helpers.js";

const reactor = new Reactor();
const ports: IListeningPort[] = [];
const files: string[] = [];
after(async () => {
  for (const p of ports) await p.stopListening();
  for (const f of files) if (existsSync(f)) unlinkSync(f);
});

/** Leaves a socket file at `path` bound by a process that has exited; returns its pid. */
function staleSocket(path: string): number {
  const child = spawnSync(process.execPath, [
    "-e",
    `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`,
  ]);
  assert.equal(child.status, 0);
  assert.ok(statSync(path).isSocket());
  files.push(path);
  return child.pid as number;
}

describe("listenUNIX / connectUNIX", () => {
  it("connects, reports UNIX addresses, and removes the socket file when stopped", async () => {
    const path = socketPath("addr");
    const server = new Recorder();
    const port = await reactor.listenUNIX(
      path,
      serverFactory(() => server),
    );
    assert.ok(port.getHost().equals(new UNIXAddress(path)));
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    const connector = reactor.connectUNIX(path, cf);
    assert.ok(connector.getDestination().equals(new UNIXAddress(path)));
    await Promise.all([client.made, server.made]);
    assert.ok(client.transport!.getPeer().equals(new UNIXAddress(path)));
    assert.ok(client.transport!.getHost().equals(new UNIXAddress(null)));
    assert.ok(server.transport!.getHost().equals(new UNIXAddress(path)));
    assert.ok(server.transport!.getPeer().equals(new UNIXAddress(null)));
    client.transport!.write(Buffer.from("over unix"));
    await waitFor(() => server.receivedBytes() === 9);
    client.transport!.loseConnection();
    await cf.done;
    assert.ok(cf.lostReason?.check(ConnectionDone));
    await port.stopListening();
    assert.equal(existsSync(path), false);
  });

  it("sets the socket file's mode", async () => {
    const path = socketPath("mode");
    const port = await reactor.listenUNIX(
      path,
      serverFactory(() => new Recorder()),
      50,
      0o600,
    );
    ports.push(port);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it("without wantPID, an existing socket file makes listening fail with CannotListenError", async () => {
    const path = socketPath("exists");
    staleSocket(path);
    await assert.rejects(
      async () =>
        reactor.listenUNIX(
          path,
          serverFactory(() => new Recorder()),
        ),
      (e: unknown) => e instanceof CannotListenError && e.port === path,
    );
    assert.ok(existsSync(path), "the file is left alone");
  });

  it("wantPID writes a lock file with our pid and removes it when stopped", async () => {
    const path = socketPath("pid");
    const port = await reactor.listenUNIX(
      path,
      serverFactory(() => new Recorder()),
      50,
      undefined,
      true,
    );
    assert.equal(readFileSync(`${path}.lock`, "utf8"), String(process.pid));
    await assert.rejects(
      async () =>
        reactor.listenUNIX(
          path,
          serverFactory(() => new Recorder()),
          50,
          undefined,
          true,
        ),
      CannotListenError,
      "a live process holds the lock",
    );
    await port.stopListening();
    assert.equal(existsSync(`${path}.lock`), false);
    assert.equal(existsSync(path), false);
  });

  it("wantPID removes a stale socket whose lock names a dead process", async () => {
    const path = socketPath("stale");
    const deadPid = staleSocket(path);
    writeFileSync(`${path}.lock`, String(deadPid));
    files.push(`${path}.lock`);
    const server = new Recorder();
    const port = await reactor.listenUNIX(
      path,
      serverFactory(() => server),
      50,
      undefined,
      true,
    );
    ports.push(port);
    assert.equal(readFileSync(`${path}.lock`, "utf8"), String(process.pid));
    const client = new Recorder();
    reactor.connectUNIX(path, new RecordingClientFactory(() => client));
    await Promise.all([client.made, server.made]);
    client.transport!.abortConnection();
    await server.lost;
  });

  it("connecting to a stale socket is refused; to a missing path fails with ConnectError", async () => {
    const path = socketPath("refused");
    staleSocket(path);
    const cf = new RecordingClientFactory(() => new Recorder());
    reactor.connectUNIX(path, cf);
    await cf.done;
    assert.ok(cf.failure?.check(ConnectionRefusedError), String(cf.failure?.value));
    const missing = new RecordingClientFactory(() => new Recorder());
    reactor.connectUNIX(socketPath("missing"), missing);
    await missing.done;
    assert.ok(missing.failure?.check(ConnectError));
    assert.equal(reactor.getDelayedCalls().length, 0);
  });

  it("half-closes both ways between two Braid ends", async () => {
    const path = socketPath("half");
    const server = new Recorder();
    server.onData = (d) => server.transport!.write(d);
    const port = await reactor.listenUNIX(
      path,
      serverFactory(() => server),
    );
    ports.push(port);
    const client = new HalfCloseRecorder();
    reactor.connectUNIX(path, new RecordingClientFactory(() => client));
    await Promise.all([client.made, server.made]);
    client.transport!.write(Buffer.from("last"));
    (client.transport as unknown as { loseWriteConnection(): void }).loseWriteConnection();
    const reason = await client.lost;
    assert.ok(reason.check(ConnectionDone));
    assert.equal(client.received().toString(), "last", "the plain server still answered");
    assert.deepEqual(client.events, [
      "makeConnection",
      "connectionMade",
      "writeConnectionLost",
      "data",
      "readConnectionLost",
      "connectionLost",
    ]);
    assert.ok((await server.lost).check(ConnectionDone));
  });
});
