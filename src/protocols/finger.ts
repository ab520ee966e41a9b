/**
 * Finger (RFC 1288), in the final form of Twisted's finger tutorial: a server protocol that
 * answers one query from a user source that returns Deferreds, two such sources (a dictionary
 * and a file re-read when it changes), and a client.
 *
 * - {@link FingerProtocol} / {@link FingerFactory}: reads one line (`user`, or an empty line to
 *   list the users), answers from an {@link IFingerService} and closes the connection.
 * - {@link DictFingerService}, {@link FileFingerService}: where the answers come from.
 * - {@link FingerClient} / {@link finger}: sends `user\r\n` and returns the whole answer.
 *
 * Like every protocol here, nothing in this module touches a socket or a timer: the file service
 * re-reads its file on an injected clock.
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import { Deferred, succeed } from "../defer/deferred.js";
import { CancelledError, ConnectionDone, InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import { ServerFactory } from "../protocol/factory.js";
import type { IProtocol, IProtocolFactory, ITransport } from "../protocol/interfaces.js";
import { Protocol } from "../protocol/protocol.js";
import type { IReactorTime } from "../time/interfaces.js";
import { LoopingCall } from "../time/loopingcall.js";
import { LineReceiver } from "./basic/lineReceiver.js";

const log = new Logger("braid.finger");
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The answer for a user the service does not know. */
export const NO_SUCH_USER = "No such user";
/** The answer when the service fails. */
export const INTERNAL_ERROR = "Internal error in server";

/** Where a finger server gets its answers. */
export interface IFingerService {
  /** The entry of `name`: its text, or {@link NO_SUCH_USER}. A failure is answered as an internal error. */
  getUser(name: string): Deferred<string>;
  /** The names of the known users, in a stable order. */
  getUsers(): Deferred<string[]>;
}

/**
 * A finger service answering from a dictionary (or a Map).
 *
 * @example
 * ```ts
 * const service = new DictFingerService({ moshez: "Happy and well" });
 * await serverFromString(reactor, "tcp:79").listen(new FingerFactory(service));
 * ```
 */
export class DictFingerService implements IFingerService {
  /** The users and their entries; may be changed at any time. */
  readonly users: Map<string, string>;

  constructor(users: Readonly<Record<string, string>> | ReadonlyMap<string, string> = {}) {
    this.users = new Map(users instanceof Map ? users : Object.entries(users));
  }

  /** The entry of `name`, or {@link NO_SUCH_USER}. */
  getUser(name: string): Deferred<string> {
    return succeed(this.users.get(name) ?? NO_SUCH_USER);
  }

  /** The names, in insertion order. */
  getUsers(): Deferred<string[]> {
    return succeed([...this.users.keys()]);
  }
}

/**
 * Parses a users file: one user a line, `user:info` or `user info` (the name ends at the first
 * colon or the first run of blanks, whichever comes first); blank lines and lines starting with
 * `#` are ignored; names and entries are trimmed. A later line for a name replaces an earlier one.
 */
export function parseFingerUsers(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([^:\s]+)\s*(?::|\s)\s*(.*)$/.exec(line);
    if (m) users.set(m[1]!, m[2]!.trim());
    else users.set(line, "");
  }
  return users;
}

/** Settings of a {@link FileFingerService}. */
export interface FileFingerServiceOptions {
  /** The clock to check the file on; without one the file is read only on {@link FileFingerService.reload}. */
  clock?: IReactorTime;
  /** Seconds between checks of the file's modification time (default 30, as the tutorial). */
  interval?: number;
}

/**
 * A finger service answering from a file of `user:info` lines (see {@link parseFingerUsers}),
 * re-read when its modification time or size changes, checked every `interval` seconds on the
 * given clock (the tutorial's final `FingerService`). A file that cannot be read keeps the users
 * of the last good read (the failure is logged). Queries made before the first read wait for it.
 *
 * @example
 * ```ts
 * const service = new FileFingerService("/etc/users", { clock: reactor, interval: 30 });
 * await service.startService();
 * await serverFromString(reactor, "tcp:79").listen(new FingerFactory(service));
 * reactor.addSystemEventTrigger("before", "shutdown", () => service.stopService());
 * ```
 */
export class FileFingerService implements IFingerService {
  /** The users of the last good read. */
  users = new Map<string, string>();
  readonly #clock: IReactorTime | undefined;
  readonly #interval: number;
  #loop: LoopingCall | null = null;
  #stamp = "";
  #loaded = false;
  #reading: Promise<void> | null = null;

  /** @throws RangeError when `interval` is not a positive number. */
  constructor(
    readonly path: string,
    options: FileFingerServiceOptions = {},
  ) {
    this.#clock = options.clock;
    this.#interval = options.interval ?? 30;
    if (!(this.#interval > 0)) throw new RangeError("FileFingerService: interval must be > 0");
  }

  /** Whether the checks are running. */
  get running(): boolean {
    return this.#loop !== null;
  }

  /**
   * Reads the file, then (with a clock) checks it every `interval` seconds.
   *
   * @returns a Deferred that fires after the first read, or fails when the file cannot be read.
   * @throws InvalidStateError when already started.
   */
  startService(): Deferred<void> {
    if (this.#loop !== null) throw new InvalidStateError("FileFingerService already started");
    const first = this.reload();
    const clock = this.#clock;
    if (clock !== undefined) {
      const loop = new LoopingCall(() => this.#check());
      loop.clock = clock;
      this.#loop = loop;
      loop.start(this.#interval, false);
    }
    return first;
  }

  /** Stops the checks. */
  stopService(): void {
    const loop = this.#loop;
    this.#loop = null;
    if (loop?.running) loop.stop();
  }

  /** Reads the file now, whatever its modification time; fails when it cannot be read. */
  reload(): Deferred<void> {
    return Deferred.fromPromise(this.#read());
  }

  /** The entry of `name`, or {@link NO_SUCH_USER}. */
  getUser(name: string): Deferred<string> {
    if (this.#loaded) return succeed(this.users.get(name) ?? NO_SUCH_USER);
    return this.#afterFirstRead(() => this.users.get(name) ?? NO_SUCH_USER);
  }

  /** The names, in file order. */
  getUsers(): Deferred<string[]> {
    if (this.#loaded) return succeed([...this.users.keys()]);
    return this.#afterFirstRead(() => [...this.users.keys()]);
  }

  #afterFirstRead<T>(f: () => T): Deferred<T> {
    const reading = this.#reading ?? this.#read();
    return Deferred.fromPromise(reading.then(f));
  }

  async #read(): Promise<void> {
    if (this.#reading !== null) return this.#reading;
    const reading = (async () => {
      try {
        const s = await stat(this.path);
        const text = await readFile(this.path, "utf8");
        this.users = parseFingerUsers(text);
        this.#stamp = `${s.mtimeMs}:${s.size}`;
        this.#loaded = true;
      } finally {
        this.#reading = null;
      }
    })();
    this.#reading = reading;
    return reading;
  }

  /** One check of the loop: re-reads when the file changed; failures are logged, not fatal. */
  async #check(): Promise<void> {
    try {
      const s = await stat(this.path);
      if (`${s.mtimeMs}:${s.size}` !== this.#stamp) await this.#read();
    } catch (e) {
      log.failure("Could not re-read the finger users file {path}", e, { path: this.path });
    }
  }
}

/**
 * The finger server protocol: reads one query line, answers it and closes the connection.
 *
 * The query is a user name (RFC 1288's `/W` verbose flag is accepted and ignored); an empty line
 * lists the users, one a line. Lines may end in `\n` or `\r\n`; answers end in `\r\n`. A failed
 * lookup is logged and answered with {@link INTERNAL_ERROR}. A lookup still pending when the
 * client goes away is cancelled. Further lines are ignored.
 *
 * @example
 * ```ts
 * const factory = new FingerFactory(new DictFingerService({ moshez: "Happy and well" }));
 * const proto = factory.buildProtocol(addr)!;
 * const transport = new StringTransport();
 * proto.makeConnection(transport);
 * proto.dataReceived(new TextEncoder().encode("moshez\r\n"));
 * assert.equal(transport.valueText(), "Happy and well\r\n");
 * ```
 */
export class FingerProtocol extends LineReceiver<ITransport, FingerFactory> {
  override MAX_LENGTH = 1024;
  #answered = false;
  #pending: Deferred<unknown> | null = null;

  constructor() {
    super();
    this.delimiter = "\n";
  }

  /** Answers the first line; ignores the rest. */
  override lineReceived(line: Uint8Array): void {
    if (this.#answered) return;
    this.#answered = true;
    const factory = this.factory;
    if (factory === null) throw new InvalidStateError("FingerProtocol needs a FingerFactory");
    const query = parseQuery(decoder.decode(line));
    const answer: Deferred<string> =
      query === ""
        ? factory.getUsers().addCallback((users) => (users.length > 0 ? users.join("\n") : ""))
        : factory.getUser(query);
    const d = answer
      .addErrback((f: Failure): string | null => {
        if (!this.connected && f.check(CancelledError)) return null;
        log.failure("Finger lookup of {user} failed", f, { user: query });
        return INTERNAL_ERROR;
      })
      .addCallback((text: string | null) => {
        this.#pending = null;
        if (text === null || !this.connected) return;
        this.transport!.write(encoder.encode(`${text.split(/\r?\n/).join("\r\n")}\r\n`));
        this.transport!.loseConnection();
      });
    if (!d.called) this.#pending = d;
  }

  /** Cancels a lookup still pending. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    const pending = this.#pending;
    this.#pending = null;
    pending?.cancel();
  }
}

/** `user` from a query line: without `\r`, blanks and RFC 1288's `/W` flag. */
function parseQuery(text: string): string {
  let q = text.trim();
  if (/^\/W(\s|$)/i.test(q)) q = q.slice(2).trim();
  return q;
}

/**
 * Builds a {@link FingerProtocol} per connection, answering from `service`.
 *
 * @example
 * ```ts
 * const factory = new FingerFactory(new DictFingerService({ moshez: "Happy and well" }));
 * await serverFromString(reactor, "tcp:8079").listen(factory);
 * ```
 */
export class FingerFactory extends ServerFactory<FingerProtocol> {
  constructor(readonly service: IFingerService) {
    super();
    this.protocol = FingerProtocol;
  }

  /** The service's entry for `name`. */
  getUser(name: string): Deferred<string> {
    return this.service.getUser(name);
  }

  /** The service's user names. */
  getUsers(): Deferred<string[]> {
    return this.service.getUsers();
  }
}

/**
 * The finger client protocol: sends `user\r\n` once connected, collects everything the server
 * sends, and fires {@link answer} with it (CRLF turned into LF) when the server closes the
 * connection. A connection lost otherwise fails `answer` with the reason.
 *
 * @example
 * ```ts
 * const client = await connectProtocol(endpoint, new FingerClient("moshez"));
 * console.log(await client.answer);
 * ```
 */
export class FingerClient extends Protocol {
  /** Fires with the server's answer when the connection closes. */
  readonly answer: Deferred<string>;
  readonly #chunks: Uint8Array[] = [];

  /** @param user - the query; `""` asks for the list of users. */
  constructor(readonly user: string) {
    super();
    this.answer = new Deferred<string>(() => this.transport?.abortConnection());
  }

  /** Sends the query. */
  override connectionMade(): void {
    this.transport!.write(encoder.encode(`${this.user}\r\n`));
  }

  /** Keeps the bytes. */
  override dataReceived(data: Uint8Array): void {
    this.#chunks.push(data.slice());
  }

  /** Fires {@link answer}. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    if (this.answer.called) return;
    if (reason.check(ConnectionDone)) {
      this.answer.callback(decoder.decode(Buffer.concat(this.#chunks)).replace(/\r\n/g, "\n"));
    } else {
      this.answer.errback(reason);
    }
  }
}

/** What {@link finger} needs of an endpoint: `IStreamClientEndpoint.connect`. */
export interface FingerEndpoint {
  connect(factory: IProtocolFactory): Deferred<IProtocol>;
}

/**
 * Asks the finger server at `endpoint` about `user`.
 *
 * @returns a Deferred of the answer (CRLF turned into LF); it fails when the connection cannot be
 *   made or is lost abnormally. Cancelling it cancels the attempt or aborts the connection.
 *
 * @example
 * ```ts
 * const text = await finger(clientFromString(reactor, "tcp:host=127.0.0.1:port=79"), "moshez");
 * ```
 */
export function finger(endpoint: FingerEndpoint, user: string): Deferred<string> {
  const client = new FingerClient(user);
  const factory: IProtocolFactory = {
    doStart() {},
    doStop() {},
    buildProtocol: () => client,
  };
  const connecting = endpoint.connect(factory);
  const result = new Deferred<string>(() => {
    connecting.cancel();
    client.answer.cancel();
  });
  connecting.addCallbacks(
    () => {
      client.answer.addCallbacks(
        (text) => {
          if (!result.called) result.callback(text);
        },
        (f: Failure) => {
          if (!result.called) result.errback(f);
        },
      );
    },
    (f: Failure) => {
      if (!result.called) result.errback(f);
    },
  );
  return result;
}
