/**
 * Talking to `wc` through its pipes (the "Using Processes" howto's example): write some verses to
 * its stdin, close stdin so that it knows the input is over, and parse the counts it prints once
 * it exits.
 *
 *   node --import tsx examples/process-wc.ts [verses]      (default 10)
 *
 * Every event of the process protocol is printed, in the order Braid delivers them.
 */
import { reactor } from "braid";
import type { Failure } from "braid/errors";
import { ProcessProtocol, ProcessTerminated, spawnProcess } from "braid/process";

const VERSE =
  "Aleph-null bottles of beer on the wall,\n" +
  "Aleph-null bottles of beer,\n" +
  "Take one down, pass it around,\n" +
  "Aleph-null bottles of beer on the wall.\n";

/** The counts `wc` reports. */
export interface Counts {
  lines: number;
  words: number;
  bytes: number;
}

/** Feeds `verses` verses to `wc` and collects what it prints. */
export class WordCounter extends ProcessProtocol {
  private output = "";
  private readonly decoder = new TextDecoder();
  /** The counts, once `wc`'s stdout has closed. */
  counts: Counts | null = null;

  constructor(
    private readonly verses: number,
    private readonly done: (counts: Counts | null) => void,
  ) {
    super();
  }

  override connectionMade(): void {
    console.log(`connectionMade: wc runs as pid ${this.transport!.pid}`);
    const encoder = new TextEncoder();
    for (let i = 0; i < this.verses; i++) this.transport!.write(encoder.encode(VERSE));
    this.transport!.closeStdin(); // end of input: wc counts and exits
  }

  override outReceived(data: Uint8Array): void {
    console.log(`outReceived: ${data.byteLength} bytes`);
    this.output += this.decoder.decode(data, { stream: true });
  }

  override errReceived(data: Uint8Array): void {
    console.log(`errReceived: ${this.decoder.decode(data)}`);
  }

  override inConnectionLost(): void {
    console.log("inConnectionLost: stdin is closed (we did it)");
  }

  override outConnectionLost(): void {
    console.log("outConnectionLost: wc closed its stdout");
    const [lines, words, bytes] = this.output.trim().split(/\s+/).map(Number);
    if (lines !== undefined && words !== undefined && bytes !== undefined) {
      this.counts = { lines, words, bytes };
      console.log(`wc saw ${lines} lines, ${words} words, ${bytes} bytes`);
    }
  }

  override errConnectionLost(): void {
    console.log("errConnectionLost: wc closed its stderr");
  }

  override processExited(reason: Failure): void {
    console.log(`processExited: ${exitText(reason)}`);
  }

  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    console.log(`processEnded: ${exitText(reason)}`);
    this.done(this.counts);
  }
}

function exitText(reason: Failure): string {
  const e = reason.value as ProcessTerminated;
  return e instanceof ProcessTerminated && e.signal !== null
    ? `killed by ${e.signalName}`
    : `exit code ${e.exitCode}`;
}

/** Runs the reactor, counts `verses` verses with `wc`, and stops when `wc` has ended. */
export async function main(verses = 10): Promise<void> {
  const stopped = reactor.run();
  spawnProcess(reactor, new WordCounter(verses, () => reactor.stop()), "wc", ["wc"], {
    env: { PATH: "/usr/bin:/bin" },
  });
  await stopped;
  console.log("reactor stopped");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(Number(process.argv[2] ?? 10));
}
