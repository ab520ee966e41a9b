/**
 * Finger, step 2: users come from a dictionary. The protocol and factory are the library's
 * `FingerProtocol` and `FingerFactory` (reads one line, answers, closes); `DictFingerService`
 * is the dictionary they ask.
 *
 *   node --import tsx examples/finger/step2-dictionary.ts [endpoint]
 *   echo moshez | nc 127.0.0.1 8079
 */
import { DictFingerService, FingerFactory, reactor, serverFromString } from "braid";

export { FingerFactory, FingerProtocol } from "braid";

if (import.meta.url === `file://${process.argv[1]}`) {
  const factory = new FingerFactory(new DictFingerService({ moshez: "Happy and well" }));
  const port = await serverFromString(
    reactor,
    process.argv[2] ?? "tcp:8079:interface=127.0.0.1",
  ).listen(factory);
  console.log(`finger (step 2) on ${port.getHost()}`);
  await reactor.run();
}
