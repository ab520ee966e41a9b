/**
 * Random integers: the push producer example of Twisted's producer guide. The server asks how
 * many random integers you want and streams that many, one per line, from a push producer that
 * stops when the connection's write buffer is full and goes on when it has drained, so a slow
 * reader never makes the server buffer without bound.
 *
 *   node --import tsx examples/random-integers.ts [endpoint]   (default tcp:1234:interface=127.0.0.1)
 *
 * Then `nc 127.0.0.1 1234` and type a number. Ctrl-C stops it in order.
 */
import {
  Factory,
  type IDelayedCall,
  type IPushProducer,
  type IReactorTime,
  LineReceiver,
  reactor,
  serverFromString,
} from "braid";

/** Lines per write: one write of a few KiB instead of one per integer. */
const LINES_PER_WRITE = 1000;
/** Bytes written per slice before the producer lets the reactor run other work. */
const SLICE_BYTES = 256 * 1024;

/**
 * Writes `count` random integers in [0, 10000], one per line, to a protocol's transport.
 *
 * It writes in slices scheduled with `callLater(0)` while it is not paused, so production never
 * blocks the event loop; the transport pauses it (from inside `write`) when its buffer passes the
 * high-water mark and resumes it when the buffer drains. When every integer is written it
 * unregisters and closes the connection.
 */
export class RandomIntegerProducer implements IPushProducer {
  private produced = 0;
  private paused = false;
  private stopped = false;
  private call: IDelayedCall | null = null;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly proto: ServeRandom,
    private readonly goal: number,
    private readonly clock: IReactorTime,
  ) {}

  /** The transport's buffer is full: stop writing until resumed. */
  pauseProducing(): void {
    if (this.paused) return;
    this.paused = true;
    console.log(`pausing connection from ${this.proto.transport?.getPeer()}`);
  }

  /** Writing may go on (also how production starts). */
  resumeProducing(): void {
    this.paused = false;
    this.schedule();
  }

  /** The connection is gone: write nothing more. */
  stopProducing(): void {
    this.stopped = true;
    this.call?.cancel();
    this.call = null;
  }

  private schedule(): void {
    if (this.call === null && !this.stopped) {
      this.call = this.clock.callLater(0, () => this.slice());
    }
  }

  /** Writes until paused, done, or a slice's worth of bytes is written. */
  private slice(): void {
    this.call = null;
    const transport = this.proto.transport!;
    let bytes = 0;
    while (!this.paused && !this.stopped && this.produced < this.goal && bytes < SLICE_BYTES) {
      const n = Math.min(LINES_PER_WRITE, this.goal - this.produced);
      let text = "";
      for (let i = 0; i < n; i++) text += `${Math.floor(Math.random() * 10001)}\r\n`;
      this.produced += n;
      const chunk = this.encoder.encode(text);
      bytes += chunk.byteLength;
      transport.write(chunk); // may call pauseProducing() before it returns
    }
    if (this.stopped) return;
    if (this.produced >= this.goal) {
      this.stopped = true;
      transport.unregisterProducer();
      transport.loseConnection();
    } else if (!this.paused) {
      this.schedule();
    }
  }
}

/** Asks how many integers the client wants, then streams them. */
export class ServeRandom extends LineReceiver {
  private producing = false;

  override connectionMade(): void {
    console.log(`connection made from ${this.transport!.getPeer()}`);
    this.sendLine("How many random integers do you want?");
  }

  override lineReceived(line: Uint8Array): void {
    if (this.producing) return;
    const text = new TextDecoder().decode(line).trim();
    const count = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(count)) {
      this.sendLine("Please send a whole number.");
      return;
    }
    this.producing = true;
    const producer = new RandomIntegerProducer(this, count, reactor);
    this.transport!.registerProducer(producer, true);
    producer.resumeProducing();
  }

  override connectionLost(reason: Parameters<LineReceiver["connectionLost"]>[0]): void {
    console.log(`connection lost from ${this.transport?.getPeer()}`);
    super.connectionLost(reason);
  }
}

export async function main(description = "tcp:1234:interface=127.0.0.1"): Promise<void> {
  const port = await serverFromString(reactor, description).listen(
    Factory.forProtocol(ServeRandom),
  );
  console.log(`random integers server listening on ${port.getHost()}`);
  await reactor.run();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv[2]);
}
