/**
 * AMP example: a calculator server and a client calling it, in one process on loopback.
 *
 * Run with `node --import tsx examples/amp-calculator.ts`. The server speaks Twisted's AMP, so a
 * Python client using `twisted.protocols.amp` with the same command declarations works too.
 *
 * @module
 */

import { amp, clientFromString, connectProtocol, Factory, reactor } from "braid";

const { AMP, command, Float, Integer } = amp;

class DivideByZero extends Error {}

const Sum = command("Sum", {
  arguments: { a: Integer, b: Integer },
  response: { total: Integer },
});

const Divide = command("Divide", {
  arguments: { numerator: Integer, denominator: Integer },
  response: { result: Float },
  errors: { ZERO_DIVISION: DivideByZero },
});

class Calculator extends AMP {
  constructor() {
    super();
    this.responder(Sum, ({ a, b }) => ({ total: a + b })).responder(
      Divide,
      ({ numerator, denominator }) => {
        if (denominator === 0) throw new DivideByZero("divide by zero");
        return { result: numerator / denominator };
      },
    );
  }
}

const port = await reactor.listenTCP(0, Factory.forProtocol(Calculator), 50, "127.0.0.1");
const { port: portNumber } = port.getHost() as { port: number };
console.log(`AMP calculator on 127.0.0.1:${portNumber}`);

const client = await connectProtocol(
  clientFromString(reactor, `tcp:127.0.0.1:${portNumber}`),
  new AMP(),
);
const { total } = await client.callRemote(Sum, { a: 13, b: 81 });
console.log(`13 + 81 = ${total}`);
try {
  await client.callRemote(Divide, { numerator: 1, denominator: 0 });
} catch (e) {
  console.log(`1 / 0 failed: ${e instanceof DivideByZero ? "DivideByZero" : e}`);
}
client.transport!.loseConnection();
await port.stopListening();
