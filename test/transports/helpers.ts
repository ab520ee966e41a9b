/**
 * Shared helpers for the transport and reactor tests: a recording protocol, waiting for
 * conditions with a time bound, fixtures, and pair makers (TCP, UNIX, TLS) for the conformance
 * suite.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deferred, fail, succeed } from "../../src/defer/deferred.js";
import { DNSLookupError } from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { ClientFactory, Factory } from "../../src/protocol/factory.js";
import type { IConnector, IProtocol, ITransport } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import type { IListeningPort, IResolver } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import type { TransportPair } from "./conformance.js";

const FIXTURES = new URL("../fixtures/tls/", import.meta.url);

/** Reads a fixture file from test/fixtures/tls. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

/** A promise with its resolve function exposed. */
export function defer<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits until `cond()` holds, polling; throws after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** sha256 hex of some buffers. */
export function digest(chunks: readonly Uint8Array[]): string {
  const h = createHash("sha256");
  for (const c of chunks) h.update(c);
  return h.digest("hex");
}

/** Deterministic pseudo-random bytes. */
export function patterned(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A protocol that records every event, for assertions. */
export class Recorder extends Protocol {
  events: string[] = [];
  chunks: Buffer[] = [];
  reason: Failure | null = null;
  lostCount = 0;
  private readonly _made = defer<void>();
  private readonly _lost = defer<Failure>();
  /** Resolves on connectionMade. */
  readonly made = this._made.promise;
  /** Resolves with the reason on connectionLost. */
  readonly lost = this._lost.promise;
  /** Called for each chunk, after recording it. */
  onData: ((data: Buffer) => void) | null = null;

  override makeConnection(transport: ITransport): void {
    this.events.push("makeConnection");
    super.makeConnection(transport);
  }
  override connectionMade(): void {
    this.events.push("connectionMade");
    this._made.resolve();
  }
  override dataReceived(data: Uint8Array): void {
    if (this.events.at(-1) !== "data") this.events.push("data");
    this.chunks.push(data as Buffer);
    this.onData?.(data as Buffer);
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.events.push("connectionLost");
    this.lostCount++;
    this.reason = reason;
    this._lost.resolve(reason);
  }
  /** Everything received so far. */
  received(): Buffer {
    return Buffer.concat(this.chunks);
  }
  /** Bytes received so far. */
  receivedBytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    return n;
  }
}

/** A Recorder that also implements IHalfCloseableProtocol. */
export class HalfCloseRecorder extends Recorder {
  readConnectionLost(): void {
    this.events.push("readConnectionLost");
  }
  writeConnectionLost(): void {
    this.events.push("writeConnectionLost");
  }
}

/** A client factory that records the connector's events and hands out one protocol. */
export class RecordingClientFactory extends ClientFactory {
  events: string[] = [];
  failure: Failure | null = null;
  lostReason: Failure | null = null;
  private readonly _done = defer<void>();
  /** Resolves on clientConnectionFailed or clientConnectionLost. */
  readonly done = this._done.promise;
  constructor(private readonly make: () => IProtocol | null) {
    super();
    this.noisy = false;
  }
  override buildProtocol(): IProtocol | null {
    this.events.push("buildProtocol");
    return this.make();
  }
  override startFactory(): void {
    this.events.push("startFactory");
  }
  override stopFactory(): void {
    this.events.push("stopFactory");
  }
  override startedConnecting(_c: IConnector): void {
    this.events.push("startedConnecting");
  }
  override clientConnectionFailed(_c: IConnector, reason: Failure): void {
    this.events.push("clientConnectionFailed");
    this.failure = reason;
    this._done.resolve();
  }
  override clientConnectionLost(_c: IConnector, reason: Failure): void {
    this.events.push("clientConnectionLost");
    this.lostReason = reason;
    this._done.resolve();
  }
}

/** A server factory calling `make` per connection. */
export function serverFactory(make: () => IProtocol | null): Factory {
  const f = new Factory();
  f.noisy = false;
  f.buildProtocol = () => make();
  return f;
}

/** A resolver that answers from a table, fails for other names, or never answers (`hang`). */
export class FakeResolver implements IResolver {
  constructor(
    private readonly table: Record<string, string> = {},
    private readonly hang = false,
  ) {}
  /** Pending lookups (for `hang`). */
  readonly pending: Deferred<string>[] = [];
  getHostByName(name: string): Deferred<string> {
    const ip = this.table[name];
    if (ip !== undefined) return succeed(ip);
    if (this.hang) {
      const d = new Deferred<string>();
      this.pending.push(d);
      return d;
    }
    return fail<string>(new DNSLookupError(`no such host: ${name}`));
  }
  resolveHostName(name: string): Deferred<never> {
    return fail<never>(new DNSLookupError(`no such host: ${name}`));
  }
}

/** The port number of a TCP listening port. */
export function portOf(p: IListeningPort): number {
  return (p.getHost() as IPv4Address).port;
}

/** A fresh reactor for a test file. */
export function newReactor(): Reactor {
  return new Reactor();
}

let unixCounter = 0;
/** A fresh socket path in the temp directory. */
export function socketPath(tag = "s"): string {
  return join(tmpdir(), `braid-${process.pid}-${tag}-${unixCounter++}.sock`);
}

/** How to reach a listening port of each kind. */
export type Kind = "TCP" | "UNIX" | "TLS";

/**
 * Connects `client` to `server` over a fresh listening port of `kind` on `reactor`: the
 * conformance suite's `makePair` for the real reactor.
 */
export async function realPair(
  reactor: Reactor,
  kind: Kind,
  client: IProtocol,
  server: IProtocol,
): Promise<TransportPair> {
  const sf = serverFactory(() => server);
  let port: IListeningPort;
  const cf = new RecordingClientFactory(() => client);
  if (kind === "TCP") {
    port = await reactor.listenTCP(0, sf, 50, "127.0.0.1");
    reactor.connectTCP("127.0.0.1", portOf(port), cf);
  } else if (kind === "UNIX") {
    const path = socketPath();
    port = await reactor.listenUNIX(path, sf);
    reactor.connectUNIX(path, cf);
  } else {
    port = await reactor.listenSSL(
      0,
      sf,
      { key: fixture("server.key"), cert: fixture("server.pem") },
      50,
      "127.0.0.1",
    );
    reactor.connectSSL("127.0.0.1", portOf(port), cf, {
      hostname: "localhost",
      trustRoot: fixture("ca.pem"),
    });
  }
  return {
    client,
    server,
    async cleanup() {
      await port.stopListening();
      for (const p of [client, server]) {
        const t = (p as Protocol).transport;
        if ((p as Protocol).connected && t) t.abortConnection();
      }
    },
  };
}
