/**
 * The demo `npm start` runs: echo, chat and finger servers on local ports, no configuration
 * needed. Ctrl-C (or SIGTERM) shuts down in order: the ports close, connections finish, exit 0.
 *
 * Ports default to 8123 (echo), 8124 (chat) and 8125 (finger) on 127.0.0.1; set BRAID_DEMO_PORT
 * to move all three (BRAID_DEMO_PORT, +1, +2). A port in use prints one line and exits 1.
 */
import { Factory, globalLogBeginner, reactor, serverFromString, textFileLogObserver } from "braid";
import { ChatFactory } from "./chat-server.js";
import { Echo } from "./echo-server.js";
import { demoLookup, FingerFactory } from "./finger/step3-deferred.js";

globalLogBeginner.beginLoggingTo([textFileLogObserver(process.stderr)]);

const base = Number(process.env.BRAID_DEMO_PORT ?? 8123);
const services = [
  {
    name: "echo",
    port: base,
    factory: Factory.forProtocol(Echo, { noisy: false }),
    hint: "type anything",
  },
  { name: "chat", port: base + 1, factory: new ChatFactory(), hint: "pick a name, then talk" },
  { name: "finger", port: base + 2, factory: new FingerFactory(demoLookup), hint: "type moshez" },
];

try {
  for (const s of services) {
    s.factory.noisy = false;
    await serverFromString(reactor, `tcp:${s.port}:interface=127.0.0.1`).listen(s.factory);
  }
} catch (e) {
  console.error(`braid demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

console.log("Braid demo is running. Connect with:");
for (const s of services) console.log(`  nc 127.0.0.1 ${s.port}    # ${s.name}: ${s.hint}`);
console.log("Press Ctrl-C to stop.");
reactor.addSystemEventTrigger("after", "shutdown", () => console.log("Braid demo stopped."));
await reactor.run();
