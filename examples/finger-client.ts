/**
 * A finger client: asks a finger server about a user and prints the answer.
 *
 *   node --import tsx examples/finger-client.ts user@host[:port]     (port 79 by default)
 *   node --import tsx examples/finger-client.ts @host[:port]         (lists the users)
 */
import { clientFromString, finger, reactor } from "braid";

const target = process.argv[2];
const m = target === undefined ? null : /^([^@]*)@([^:@]+)(?::(\d+))?$/.exec(target);
if (m === null) {
  console.error("usage: finger-client.ts user@host[:port]");
  process.exit(2);
}
const [, user = "", host = "", port = "79"] = m;
const endpoint = clientFromString(reactor, `tcp:host=${host}:port=${port}:timeout=10`);
try {
  process.stdout.write(await finger(endpoint, user));
} catch (e) {
  console.error(`finger-client: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
