/**
 * Finger, step 3: the user source returns Deferreds, as a real user database would. The library's
 * `FingerProtocol` answers "Internal error in server" when the lookup fails (and logs why), and
 * closes the connection either way.
 *
 *   node --import tsx examples/finger/step3-deferred.ts [endpoint]
 *   echo moshez | nc 127.0.0.1 8079
 */
import {
  Deferred,
  fail,
  type IFingerService,
  FingerFactory as LibraryFingerFactory,
  reactor,
  serverFromString,
  succeed,
} from "braid";

/** A finger factory whose users come from `lookup` (a Deferred-returning function). */
export class FingerFactory extends LibraryFingerFactory {
  constructor(lookup: (user: string) => Deferred<string>) {
    const service: IFingerService = { getUser: lookup, getUsers: () => succeed(["moshez"]) };
    super(service);
  }
}

/** A source with one user, one that fails, and a slow answer for everyone else. */
export function demoLookup(user: string): Deferred<string> {
  if (user === "moshez") return succeed("Happy and well");
  if (user === "broken") return fail(new Error("the user database is down"));
  const d = new Deferred<string>();
  reactor.callLater(0.05, () => d.callback("No such user"));
  return d;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = await serverFromString(
    reactor,
    process.argv[2] ?? "tcp:8079:interface=127.0.0.1",
  ).listen(new FingerFactory(demoLookup));
  console.log(`finger (step 3) on ${port.getHost()}`);
  await reactor.run();
}
