/**
 * Multi-user chat: asks each newcomer for a name, refuses one that is taken, then relays every
 * line to everyone else as `<name> line`. The protocol is the library's `ChatProtocol`; pass
 * `--announce` to tell everyone when someone joins or leaves.
 *
 *   node --import tsx examples/chat-server.ts [endpoint] [--announce]   (default tcp:8124:interface=127.0.0.1)
 *   nc 127.0.0.1 8124
 */
import { ChatFactory, reactor, serverFromString } from "braid";

export { ChatFactory, ChatProtocol as Chat } from "braid";

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const endpoint = args.find((a) => !a.startsWith("--")) ?? "tcp:8124:interface=127.0.0.1";
  const port = await serverFromString(reactor, endpoint).listen(
    new ChatFactory({ announce: args.includes("--announce") }),
  );
  console.log(`chat server on ${port.getHost()}`);
  await reactor.run();
}
