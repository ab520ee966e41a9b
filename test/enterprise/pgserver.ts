/**
 * A throwaway PostgreSQL server for tests, from Debian's packages: `initdb` in a temp dir, then
 * `pg_ctl start` on a free loopback port (and a Unix socket in the temp dir), trust auth. As root
 * the commands run as the `postgres` system user (the server refuses root).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = "/usr/lib/postgresql/15/bin";

/** A running server. */
export interface PgServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dir: string;
  stop(): void;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function asServerUser(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  execFileSync(file, argv, { stdio: "pipe", timeout: 30_000 });
}

/** Starts a server; call `stop()` in `after`. */
export async function startPostgres(): Promise<PgServer> {
  const dir = mkdtempSync(join(tmpdir(), "braid-pg-"));
  const root = process.getuid?.() === 0;
  if (root) {
    const { uid, gid } = pgIds();
    chmodSync(dir, 0o700);
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  asServerUser(join(BIN, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  asServerUser(join(BIN, "pg_ctl"), [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-w",
    "-t",
    "15",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=30`,
    "start",
  ]);
  let stopped = false;
  return {
    host: "127.0.0.1",
    port,
    user: "postgres",
    dir,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        asServerUser(join(BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function pgIds(): { uid: number; gid: number } {
  const out = execFileSync("id", ["postgres"], { encoding: "utf8" });
  const uid = Number(/uid=(\d+)/.exec(out)?.[1]);
  const gid = Number(/gid=(\d+)/.exec(out)?.[1]);
  return { uid, gid };
}
