/**
 * Test helper: a real IRC server, Debian's ngircd, started in the foreground on a free loopback
 * port with a configuration generated in a temporary directory, and stopped (and its directory
 * removed) by the test. Used by the IRC client tests and the log bot example's test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs ngircd. */
export const NGIRCD = "/usr/sbin/ngircd";

/** Whether ngircd is installed (tests skip themselves when it is not). */
export const haveNgircd = existsSync(NGIRCD);

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A running ngircd. */
export interface Ngircd {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Its temporary directory (configuration, and room for test files). */
  readonly dir: string;
  /** What it printed so far. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, after {@link stop}. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

/** Starts ngircd on a free loopback port and waits until it listens. */
export async function startNgircd(): Promise<Ngircd> {
  const dir = await mkdtemp(join(tmpdir(), "braid-ngircd-"));
  // ngircd drops root privileges to ServerUID after reading its configuration; its PID file is
  // written afterwards, so the directory must be writable for that user.
  await chmod(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, "ngircd.conf");
  const asRoot = process.getuid?.() === 0;
  await writeFile(
    conf,
    [
      "[Global]",
      "Name = irc.braid.test",
      "Info = Braid test server",
      "AdminInfo1 = Braid tests",
      "AdminInfo2 = loopback",
      "AdminEMail = nobody@braid.test",
      "Listen = 127.0.0.1",
      `Ports = ${port}`,
      "MotdPhrase = Welcome to the Braid test server",
      `PidFile = ${join(dir, "ngircd.pid")}`,
      ...(asRoot ? ["ServerUID = nobody", "ServerGID = nogroup"] : []),
      "[Limits]",
      "MaxConnectionsIP = 0",
      "MaxNickLength = 30",
      "[Options]",
      "DNS = no",
      "Ident = no",
      "PAM = no",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );

  let child: ChildProcess | null = null;
  let out = "";
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    const c = spawn(NGIRCD, ["-n", "-f", conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    exited = new Promise((resolve) => c.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ngircd did not start:\n${out}`)), 10_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (/Now listening on/.test(out.slice(out.lastIndexOf("starting ...")))) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout!.on("data", onData);
      c.stderr!.on("data", onData);
      c.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`ngircd exited with ${code}:\n${out}`));
      });
    });
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (c === null) return;
    child = null;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  await start();
  return {
    port,
    dir,
    output: () => out,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
