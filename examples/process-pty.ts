/**
 * A child on a pseudo-terminal (`usePTY`): the same shell command runs twice, once with pipes and
 * once on a terminal, and says whether its stdin is a terminal. On the terminal, `\n` comes back
 * as `\r\n` (the line discipline), and what the child writes to stderr arrives with its stdout.
 *
 *   node --import tsx examples/process-pty.ts
 *
 * `usePTY` needs the optional dependency node-pty; without it `spawnProcess` throws
 * `PTYNotSupportedError`, which this example reports.
 */
import { reactor } from "braid";
import type { Failure } from "braid/errors";
import { ProcessProtocol, PTYNotSupportedError, spawnProcess } from "braid/process";

const SCRIPT =
  'if [ -t 0 ]; then echo "stdin is a terminal: $(tty)"; else echo "stdin is not a terminal"; fi; ' +
  "stty size 2>/dev/null || echo 'no terminal size'";

/** Prints what the shell writes, tagged with how it was started, and reports its end. */
class TerminalCheck extends ProcessProtocol {
  private output = "";

  constructor(
    private readonly tag: string,
    private readonly done: () => void,
  ) {
    super();
  }

  override outReceived(data: Uint8Array): void {
    this.output += new TextDecoder().decode(data);
  }

  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    for (const line of this.output.split(/\r?\n/)) if (line) console.log(`[${this.tag}] ${line}`);
    console.log(`[${this.tag}] ${reason.getErrorMessage()}`);
    this.done();
  }
}

/** Runs the check with pipes, then on a 100×30 terminal, then stops the reactor. */
export async function main(): Promise<void> {
  const stopped = reactor.run();
  const env = { PATH: "/usr/bin:/bin" };
  spawnProcess(
    reactor,
    new TerminalCheck("pipes", () => {
      try {
        spawnProcess(
          reactor,
          new TerminalCheck("pty", () => reactor.stop()),
          "sh",
          ["sh", "-c", SCRIPT],
          {
            env,
            usePTY: { cols: 100, rows: 30 },
          },
        );
      } catch (e) {
        if (!(e instanceof PTYNotSupportedError)) throw e;
        console.log(`[pty] ${e.message}`);
        reactor.stop();
      }
    }),
    "sh",
    ["sh", "-c", SCRIPT],
    { env },
  );
  await stopped;
  console.log("reactor stopped");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
