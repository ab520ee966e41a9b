/**
 * `ThrottlingFactory`: read and write rate limits (bytes per second, for all the connections of
 * a factory together) and a connection limit, around any factory.
 *
 * Twisted's `ThrottlingFactory` counts bytes per one-second window and, once a window went over,
 * pauses for the excess; within a window any burst passes. Ours is a token bucket refilled
 * continuously at the limit's rate and holding at most one second's worth (the same long-run
 * rate and the same one-second burst, without the burst repeating every second):
 *
 * - Reads: each chunk received takes its size from the read bucket. When the bucket is empty,
 *   every connection's transport is paused (`pauseProducing`: the kernel then pushes back on the
 *   peers) until the bucket has refilled a tenth of a second's worth. A chunk already read is
 *   always delivered, so reads overshoot by at most one chunk per connection.
 * - Writes: what the protocols write is passed on while the write bucket holds tokens, cut to fit
 *   the tokens left; the rest is queued in the connection's wrapper, in order, and released as
 *   the bucket refills. While writes are throttled, each protocol's registered producer is paused
 *   (a push producer) or not asked for more (a pull producer), so a protocol that honours flow
 *   control keeps memory bounded; one that writes without a producer has its writes queued.
 *
 * A wrapped protocol's own `pauseProducing()` (it stops reading) and the transport's pausing of
 * its producer (a full write buffer) combine with the throttling: reading resumes, and the
 * producer runs, only once every reason to pause has gone.
 *
 * @module
 */

import type { Failure } from "../../errors/failure.js";
import { Logger } from "../../logger/logger.js";
import type { IPullProducer, IPushProducer } from "../../producers/interfaces.js";
import type { Address } from "../../protocol/address.js";
import type { IProtocol, IProtocolFactory } from "../../protocol/interfaces.js";
import type { IDelayedCall, IReactorTime } from "../../time/interfaces.js";
import { ProtocolWrapper, WrappingFactory } from "./wrapper.js";

const log = new Logger("braid.policies");

/** After throttling, traffic resumes once the bucket holds this many seconds' worth. */
const RESUME_SECONDS = 0.1;

/** A token bucket: `rate` tokens per second, holding at most one second's worth. */
class Bucket {
  tokens: number;
  #last: number;

  constructor(
    readonly rate: number,
    now: number,
  ) {
    this.tokens = rate;
    this.#last = now;
  }

  refill(now: number): number {
    if (now > this.#last) {
      this.tokens = Math.min(this.rate, this.tokens + (now - this.#last) * this.rate);
      this.#last = now;
    }
    return this.tokens;
  }

  /** Seconds until the bucket holds {@link RESUME_SECONDS} worth. */
  wait(): number {
    return Math.max(0, (this.rate * RESUME_SECONDS - this.tokens) / this.rate);
  }
}

/** Settings of a {@link ThrottlingFactory}; each is also a public property. */
export interface ThrottlingOptions {
  /** Where the throttling timers run: the reactor, or a `Clock` in tests. */
  clock: IReactorTime;
  /** Most connections at once; more are refused (default: no limit). */
  maxConnectionCount?: number;
  /** Bytes per second read from all connections together (default `null`: no limit). */
  readLimit?: number | null;
  /** Bytes per second written to all connections together (default `null`: no limit). */
  writeLimit?: number | null;
}

function checkLimit(value: number | null, name: string): void {
  if (value !== null && !(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`ThrottlingFactory: ${name} must be null or a positive number`);
  }
}

/**
 * Limits the read and write rates and the number of connections of any factory (see the
 * module notes for how).
 *
 * @example
 * ```ts
 * // At most 10 connections, reading 1 MB/s and writing 256 kB/s in total.
 * const throttled = new ThrottlingFactory(Factory.forProtocol(Echo), {
 *   clock: reactor,
 *   maxConnectionCount: 10,
 *   readLimit: 1_000_000,
 *   writeLimit: 256_000,
 * });
 * await serverFromString(reactor, "tcp:8000").listen(throttled);
 * ```
 */
export class ThrottlingFactory extends WrappingFactory {
  readonly clock: IReactorTime;
  readonly maxConnectionCount: number;
  readonly readLimit: number | null;
  readonly writeLimit: number | null;
  /** Whether reading is paused on every connection because the read limit was reached. */
  readThrottled = false;
  /** Whether writes are held back because the write limit was reached. */
  writeThrottled = false;

  #readBucket: Bucket | null;
  #writeBucket: Bucket | null;
  #unthrottleReadsCall: IDelayedCall | null = null;
  #unthrottleWritesCall: IDelayedCall | null = null;

  /**
   * @throws RangeError when a limit is not a positive number, or `maxConnectionCount` is negative.
   */
  constructor(wrappedFactory: IProtocolFactory, options: ThrottlingOptions) {
    super(wrappedFactory);
    this.clock = options.clock;
    this.maxConnectionCount = options.maxConnectionCount ?? Number.POSITIVE_INFINITY;
    this.readLimit = options.readLimit ?? null;
    this.writeLimit = options.writeLimit ?? null;
    checkLimit(this.readLimit, "readLimit");
    checkLimit(this.writeLimit, "writeLimit");
    if (!(this.maxConnectionCount >= 0)) {
      throw new RangeError("ThrottlingFactory: maxConnectionCount must be >= 0");
    }
    const now = this.clock.seconds();
    this.#readBucket = this.readLimit === null ? null : new Bucket(this.readLimit, now);
    this.#writeBucket = this.writeLimit === null ? null : new Bucket(this.writeLimit, now);
  }

  /** How many connections are up. */
  get connectionCount(): number {
    return this.protocols.size;
  }

  /** A wrapped protocol, or `null` when {@link maxConnectionCount} connections are up. */
  override buildProtocol(addr: Address): ProtocolWrapper | null {
    if (this.protocols.size >= this.maxConnectionCount) {
      log.info("Max connection count reached: refusing {peer}", { peer: String(addr) });
      return null;
    }
    return super.buildProtocol(addr);
  }

  /** A {@link ThrottlingProtocol} around `protocol`. */
  override wrapProtocol(protocol: IProtocol, _addr: Address): ThrottlingProtocol {
    return new ThrottlingProtocol(this, protocol);
  }

  /** Cancels the pending unthrottle timers once the last port or connection is done. */
  override stopFactory(): void {
    this.#unthrottleReadsCall?.cancel();
    this.#unthrottleReadsCall = null;
    this.#unthrottleWritesCall?.cancel();
    this.#unthrottleWritesCall = null;
    this.readThrottled = false;
    this.writeThrottled = false;
  }

  // --- reads ---------------------------------------------------------------------------------

  /** Counts `n` bytes read; pauses reading everywhere once the read bucket is empty. */
  registerRead(n: number): void {
    const bucket = this.#readBucket;
    if (bucket === null) return;
    bucket.refill(this.clock.seconds());
    bucket.tokens -= n;
    if (bucket.tokens < 0 && !this.readThrottled) this.throttleReads();
  }

  /** Pauses reading on every connection until the read bucket has refilled a little. */
  throttleReads(): void {
    this.readThrottled = true;
    for (const p of this.protocols) (p as ThrottlingProtocol).throttleReads();
    const wait = this.#readBucket?.wait() ?? 0;
    this.#unthrottleReadsCall = this.clock.callLater(wait, this.#unthrottleReads);
  }

  readonly #unthrottleReads = (): void => {
    this.#unthrottleReadsCall = null;
    const bucket = this.#readBucket;
    if (bucket !== null && bucket.refill(this.clock.seconds()) < bucket.rate * RESUME_SECONDS) {
      this.#unthrottleReadsCall = this.clock.callLater(bucket.wait(), this.#unthrottleReads);
      return;
    }
    this.unthrottleReads();
  };

  /** Resumes reading on every connection (unless the protocol itself paused it). */
  unthrottleReads(): void {
    this.readThrottled = false;
    for (const p of [...this.protocols]) (p as ThrottlingProtocol).unthrottleReads();
  }

  // --- writes --------------------------------------------------------------------------------

  /**
   * How many of `n` bytes may be written now; they are taken from the write bucket. When fewer
   * than `n`, writes are throttled (every connection queues and its producer is paused).
   */
  takeWrite(n: number): number {
    const bucket = this.#writeBucket;
    if (bucket === null) return n;
    if (this.writeThrottled) return 0;
    const tokens = Math.floor(bucket.refill(this.clock.seconds()));
    const granted = Math.max(0, Math.min(n, tokens));
    bucket.tokens -= granted;
    if (granted < n || bucket.tokens < 1) this.throttleWrites();
    return granted;
  }

  /** Holds writes back on every connection until the write bucket has refilled a little. */
  throttleWrites(): void {
    if (this.writeThrottled) return;
    this.writeThrottled = true;
    for (const p of this.protocols) (p as ThrottlingProtocol).throttleWrites();
    const wait = this.#writeBucket?.wait() ?? 0;
    this.#unthrottleWritesCall = this.clock.callLater(wait, this.#unthrottleWrites);
  }

  readonly #unthrottleWrites = (): void => {
    this.#unthrottleWritesCall = null;
    this.unthrottleWrites();
  };

  /**
   * Releases queued writes as far as the bucket allows (the connection served first goes last
   * next time), then, if writes are still allowed, resumes the producers.
   */
  unthrottleWrites(): void {
    this.writeThrottled = false;
    for (const p of [...this.protocols] as ThrottlingProtocol[]) {
      if (this.writeThrottled) break;
      if (p.flushQueued()) {
        // Round robin: whoever was served goes to the back.
        this.protocols.delete(p);
        this.protocols.add(p);
      }
    }
    if (this.writeThrottled) return;
    for (const p of [...this.protocols]) (p as ThrottlingProtocol).unthrottleWrites();
  }
}

/** Pauses the real producer while any of its reasons to pause holds. */
class ProducerGate implements IPushProducer {
  /** The transport asked for a pause (its buffer is full). */
  transportPaused = false;
  /** A pull producer's request for more that came while writes were held back. */
  pullWanted = false;
  #producerPaused = false;

  constructor(
    readonly producer: IPushProducer | IPullProducer,
    readonly streaming: boolean,
    readonly owner: ThrottlingProtocol,
  ) {}

  pauseProducing(): void {
    this.transportPaused = true;
    this.update();
  }

  resumeProducing(): void {
    if (this.streaming) {
      this.transportPaused = false;
      this.update();
    } else if (this.owner.holdingWrites) {
      this.pullWanted = true;
    } else {
      this.producer.resumeProducing();
    }
  }

  stopProducing(): void {
    this.producer.stopProducing();
  }

  /** Pauses or resumes a push producer; asks a pull producer for what it was asked meanwhile. */
  update(): void {
    if (!this.streaming) {
      if (this.pullWanted && !this.owner.holdingWrites) {
        this.pullWanted = false;
        this.producer.resumeProducing();
      }
      return;
    }
    const pause = this.transportPaused || this.owner.holdingWrites;
    if (pause === this.#producerPaused) return;
    this.#producerPaused = pause;
    const p = this.producer as IPushProducer;
    try {
      if (pause) p.pauseProducing();
      else p.resumeProducing();
    } catch (e) {
      log.failure("Error in a producer's {call}", e, {
        call: pause ? "pauseProducing" : "resumeProducing",
      });
    }
  }
}

/**
 * The wrapper {@link ThrottlingFactory} puts around each protocol: it counts what is read and
 * written, pauses reading when told, and queues writes while writes are throttled.
 *
 * @example
 * ```ts
 * const factory = new ThrottlingFactory(Factory.forProtocol(Echo), { clock, writeLimit: 1000 });
 * const p = factory.buildProtocol(addr)!; // a ThrottlingProtocol
 * p.makeConnection(new StringTransport());
 * ```
 */
export class ThrottlingProtocol<P extends IProtocol = IProtocol> extends ProtocolWrapper<P> {
  /** Writes waiting for the write bucket, oldest first. */
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #loseWhenFlushed = false;
  #protocolPausedReads = false;
  #gate: ProducerGate | null = null;

  declare factory: ThrottlingFactory | null;

  /** Whether writes are held back: the factory throttles them or this connection has a queue. */
  get holdingWrites(): boolean {
    return this.#queued > 0 || (this.factory?.writeThrottled ?? false);
  }

  /** Pauses reading at once when reads are throttled, then connects the wrapped protocol. */
  override connectionMade(): void {
    if (this.factory?.readThrottled) this.transport?.pauseProducing();
    super.connectionMade();
  }

  /** Counts the bytes, then forwards them. */
  override dataReceived(data: Uint8Array): void {
    this.factory?.registerRead(data.length);
    super.dataReceived(data);
  }

  /** Drops the queue and the producer, then forwards. */
  override connectionLost(reason: Failure): void {
    this.#queue.length = 0;
    this.#queued = 0;
    this.#gate = null;
    super.connectionLost(reason);
  }

  // --- writing -------------------------------------------------------------------------------

  /** Writes what the write limit allows now and queues the rest. */
  override write(data: Uint8Array): void {
    const factory = this.factory;
    if (factory === null || factory.writeLimit === null) {
      super.write(data);
      return;
    }
    if (data.length === 0) return;
    if (this.#queued > 0) {
      this.#enqueue(data);
      return;
    }
    const granted = factory.takeWrite(data.length);
    if (granted === data.length) {
      super.write(data);
      return;
    }
    if (granted > 0) super.write(data.subarray(0, granted));
    this.#enqueue(granted > 0 ? data.subarray(granted) : data);
  }

  /** Each chunk as {@link write} (coalesced as one when there is no write limit). */
  override writeSequence(data: Iterable<Uint8Array>): void {
    if (this.factory === null || this.factory.writeLimit === null) {
      super.writeSequence(data);
      return;
    }
    for (const chunk of data) this.write(chunk);
  }

  /** Closes once the queued writes are out. */
  override loseConnection(): void {
    if (this.#queued > 0) this.#loseWhenFlushed = true;
    else super.loseConnection();
  }

  /** Drops the queue and aborts. */
  override abortConnection(): void {
    this.#queue.length = 0;
    this.#queued = 0;
    super.abortConnection();
  }

  /** `true` from `loseConnection()`, also while queued writes wait. */
  override get disconnecting(): boolean {
    return this.#loseWhenFlushed || super.disconnecting;
  }

  /** Queued bytes plus the underlying transport's. */
  override getWriteBufferSize(): number {
    return this.#queued + super.getWriteBufferSize();
  }

  /** Registers `producer` behind a gate that also pauses it while writes are throttled. */
  override registerProducer(producer: IPushProducer, streaming: true): void;
  override registerProducer(producer: IPullProducer, streaming: false): void;
  override registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  override registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    const gate = new ProducerGate(producer, streaming, this);
    super.registerProducer(gate, streaming);
    this.#gate = gate;
    gate.update();
  }

  /** Unregisters the producer. */
  override unregisterProducer(): void {
    this.#gate = null;
    super.unregisterProducer();
  }

  /** Called by the factory: the write limit was reached. */
  throttleWrites(): void {
    this.#gate?.update();
  }

  /** Called by the factory: writes are allowed again (and this connection's queue is empty). */
  unthrottleWrites(): void {
    this.#gate?.update();
  }

  /**
   * Called by the factory: writes as much of the queue as the write bucket allows.
   *
   * @returns whether anything was queued.
   */
  flushQueued(): boolean {
    const factory = this.factory;
    if (this.#queued === 0 || factory === null) return false;
    const queue = this.#queue;
    const out: Uint8Array[] = [];
    while (queue.length > 0) {
      const head = queue[0]!;
      const granted = factory.takeWrite(head.length);
      if (granted === 0) break;
      this.#queued -= granted;
      if (granted === head.length) {
        queue.shift();
        out.push(head);
      } else {
        out.push(head.subarray(0, granted));
        queue[0] = head.subarray(granted);
        break;
      }
    }
    if (out.length > 0) super.writeSequence(out);
    if (this.#queued === 0) {
      this.#gate?.update();
      if (this.#loseWhenFlushed) super.loseConnection();
    }
    return true;
  }

  #enqueue(data: Uint8Array): void {
    this.#queue.push(data);
    this.#queued += data.length;
    this.#gate?.update();
  }

  // --- reading -------------------------------------------------------------------------------

  /** The wrapped protocol stops reading. */
  override pauseProducing(): void {
    this.#protocolPausedReads = true;
    super.pauseProducing();
  }

  /** The wrapped protocol reads again (at once unless reads are throttled). */
  override resumeProducing(): void {
    this.#protocolPausedReads = false;
    if (!this.factory?.readThrottled) super.resumeProducing();
  }

  /** Called by the factory: the read limit was reached. */
  throttleReads(): void {
    if (this.connected) this.transport?.pauseProducing();
  }

  /** Called by the factory: reading is allowed again. */
  unthrottleReads(): void {
    if (this.connected && !this.#protocolPausedReads) this.transport?.resumeProducing();
  }
}
