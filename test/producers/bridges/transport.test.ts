/**
 * Connections at the ends of a pipeline: `PipelineProtocol` as a source (pausing the transport)
 * and `TransportSink`, with StringTransport and the in-memory client/server pump.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone, ConnectionLost } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { PipelineError, PipelineStoppedError } from "../../../src/errors/pipeline.js";
import { PipelineProtocol, TransportSink } from "../../../src/producers/bridges/transport.js";
import type { IPushProducer } from "../../../src/producers/interfaces.js";
import { type Pipeline, pipeline } from "../../../src/producers/pipeline.js";
import { collect, map, splitLines } from "../../../src/producers/stages.js";
import { AccumulatingProtocol } from "../../../src/testing/accumulating.js";
import { connectedServerAndClient } from "../../../src/testing/iosim.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("PipelineProtocol", () => {
  it("feeds a pipeline from a connection, pausing the transport with the pipeline", () => {
    const sink = collect<string>();
    let p: Pipeline<Uint8Array> | null = null;
    const proto = new PipelineProtocol((source) => {
      p = pipeline(source)
        .through(splitLines())
        .through(map((l: Uint8Array) => dec.decode(l)))
        .into(sink);
    });
    const t = new StringTransport();
    proto.makeConnection(t);
    proto.dataReceived(enc.encode("a\nb"));
    proto.dataReceived(enc.encode("c\n"));
    assert.deepEqual(sink.items, ["a", "bc"]);
    (sink.producer as IPushProducer).pauseProducing();
    assert.equal(t.producerState, "paused");
    (sink.producer as IPushProducer).resumeProducing();
    assert.equal(t.producerState, "producing");
    proto.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(sink.finished, true);
    assert.equal((p as Pipeline<Uint8Array> | null)?.done.called, true);
  });

  it("holds back data until the pipeline starts it, and fails it on a non-clean close", () => {
    const proto = new PipelineProtocol(undefined, "peer");
    const t = new StringTransport();
    proto.makeConnection(t);
    assert.equal(t.producerState, "paused");
    proto.dataReceived(enc.encode("early"));
    const sink = collect<Uint8Array>();
    const p = pipeline(proto).into(sink);
    assert.equal(t.producerState, "producing");
    assert.equal(dec.decode(sink.items[0]), "early");
    proto.connectionLost(new Failure(new ConnectionLost()));
    let err: unknown;
    p.done.addErrback((f) => {
      err = f.value;
    });
    assert.ok(err instanceof PipelineError);
    assert.equal(err.stage, "peer");
    assert.ok(err.cause instanceof ConnectionLost);
  });

  it("a failing stage closes the source connection (stopProducing)", () => {
    const t = new StringTransport();
    const proto = new PipelineProtocol((source) => {
      pipeline(source)
        .through(
          map((_b: Uint8Array): Uint8Array => {
            throw new Error("parse");
          }),
        )
        .into(collect<Uint8Array>())
        .done.addErrback(() => undefined);
    });
    proto.makeConnection(t);
    proto.dataReceived(enc.encode("x"));
    assert.equal(t.producerState, "stopped");
  });
});

describe("TransportSink", () => {
  it("closes the connection when the stream finishes, aborts it when it fails", () => {
    const t = new StringTransport();
    pipeline([enc.encode("hi")]).into(new TransportSink(t));
    assert.equal(t.valueText(), "hi");
    assert.equal(t.disconnecting, true);
    assert.equal(t.producer, null);

    const t2 = new StringTransport();
    const p = pipeline<Uint8Array>().into(new TransportSink(t2));
    p.input.fail?.(new Failure(new Error("upstream")));
    assert.equal(t2.aborted, true);
    p.done.addErrback(() => undefined);
  });

  it("an echo-upper server over the in-memory pump, finishing with the connection", () => {
    let p: Pipeline<Uint8Array> | null = null;
    const server = new PipelineProtocol((source, transport) => {
      p = pipeline(source)
        .through(splitLines())
        .through(map((l: Uint8Array) => enc.encode(`${dec.decode(l).toUpperCase()}\n`)))
        .into(new TransportSink(transport));
    });
    const { client, clientTransport, pump } = connectedServerAndClient(
      () => server,
      () => new AccumulatingProtocol(),
    );
    clientTransport.write(enc.encode("hello\nwor"));
    pump.flush();
    clientTransport.write(enc.encode("ld\n"));
    pump.flush();
    assert.equal(dec.decode((client as AccumulatingProtocol).data), "HELLO\nWORLD\n");
    clientTransport.write(enc.encode("bye"));
    clientTransport.loseWriteConnection(); // half-close: the server finishes and closes
    pump.flush();
    assert.equal(dec.decode((client as AccumulatingProtocol).data), "HELLO\nWORLD\nBYE\n");
    const done = (p as Pipeline<Uint8Array> | null)?.done;
    assert.equal(done?.called, true);
    let items = -1;
    done?.addCallback((s) => {
      items = s.items;
    });
    assert.equal(items, 3);
  });

  it("the transport stopping the pipeline fails it at the sink", () => {
    const t = new StringTransport();
    const p = pipeline<Uint8Array>().into(new TransportSink(t));
    (t.producer as IPushProducer).stopProducing();
    let err: unknown;
    p.done.addErrback((f) => {
      err = f.value;
    });
    assert.ok(err instanceof PipelineError);
    assert.equal(err.stage, "transport");
    assert.ok(err.cause instanceof PipelineStoppedError);
  });
});
