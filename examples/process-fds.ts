/**
 * Extra descriptors beyond stdin, stdout and stderr, in the manner of the "Using Processes"
 * howto's GPG example: the child reads a passphrase on fd 3 and reports its status on fd 4, while
 * the message itself goes through stdin and the result comes back on stdout.
 *
 *   node --import tsx examples/process-fds.ts [passphrase]      (default "open sesame")
 *
 * The child is a small Node script standing in for `gpg --passphrase-fd 3 --status-fd 4`: with
 * the right passphrase it "signs" the message (upper-cases it); with a wrong one it refuses.
 */
import { reactor } from "braid";
import type { Failure } from "braid/errors";
import { ProcessProtocol, spawnProcess } from "braid/process";

/** The child: passphrase from fd 3, status lines to fd 4, message from stdin, result to stdout. */
export const SIGNER_SCRIPT = `
const fs = require("node:fs");
const passphrase = fs.readFileSync(3, "utf8").trim();
const status = (line) => fs.writeSync(4, "[GNUPG:] " + line + "\\n");
status("NEED_PASSPHRASE");
if (passphrase !== "open sesame") {
  status("BAD_PASSPHRASE");
  process.exit(2);
}
status("GOOD_PASSPHRASE");
const message = fs.readFileSync(0, "utf8");
process.stdout.write("-----BEGIN SIGNED MESSAGE-----\\n" + message.toUpperCase() + "-----END SIGNED MESSAGE-----\\n");
status("SIG_CREATED");
`;

const encoder = new TextEncoder();

/** Sends the passphrase on fd 3 and the message on stdin; collects fd 4 and stdout. */
export class Signer extends ProcessProtocol {
  private readonly decoder = new TextDecoder();
  /** Status lines read from fd 4. */
  readonly status: string[] = [];
  /** What the child wrote on stdout. */
  signed = "";
  private partial = "";

  constructor(
    private readonly passphrase: string,
    private readonly message: string,
    private readonly done: (exitCode: number | null) => void,
  ) {
    super();
  }

  override connectionMade(): void {
    const t = this.transport!;
    t.writeToChild(3, encoder.encode(`${this.passphrase}\n`));
    t.closeChildFD(3); // the child reads the passphrase to end-of-file
    t.write(encoder.encode(this.message));
    t.closeStdin();
  }

  override childDataReceived(fd: number, data: Uint8Array): void {
    if (fd !== 4) {
      super.childDataReceived(fd, data); // 1 → outReceived, 2 → errReceived
      return;
    }
    const lines = (this.partial + this.decoder.decode(data)).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      this.status.push(line);
      console.log(`status (fd 4): ${line}`);
    }
  }

  override childConnectionLost(fd: number): void {
    console.log(`descriptor ${fd} closed`);
  }

  override outReceived(data: Uint8Array): void {
    this.signed += new TextDecoder().decode(data);
  }

  override errReceived(data: Uint8Array): void {
    process.stderr.write(data);
  }

  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    const exitCode = (reason.value as { exitCode: number | null }).exitCode;
    if (this.signed) process.stdout.write(this.signed);
    console.log(`signer ended: exit code ${exitCode}`);
    this.done(exitCode);
  }
}

/** Runs the reactor, has the child "sign" a message with `passphrase`, and stops when it ended. */
export async function main(passphrase = "open sesame"): Promise<void> {
  const stopped = reactor.run();
  spawnProcess(
    reactor,
    new Signer(passphrase, "attack at dawn\n", () => reactor.stop()),
    process.execPath,
    ["signer", "-e", SIGNER_SCRIPT],
    { childFDs: { 0: "w", 1: "r", 2: "r", 3: "w", 4: "r" } },
  );
  await stopped;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv[2]);
}
