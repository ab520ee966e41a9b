"""Twisted's side of the AMP benchmark (bench/amp.ts), run with Debian's /usr/bin/python3.

- `twisted_amp.py server`: an AMP server answering Sum on 127.0.0.1, port 0; prints
  {"port": N}, answers each "stats" line on stdin with {"conns": N}, exits when stdin closes.
- `twisted_amp.py client PORT CONNS DEPTH SECONDS`: opens CONNS connections, keeps DEPTH Sum
  calls in flight on each for SECONDS, prints {"calls": N, "seconds": S, "cpu": C} and exits.
"""
import json
import os
import sys
import time

try:
    from twisted.internet import epollreactor

    epollreactor.install()
except Exception:
    pass

from twisted.internet import defer, endpoints, protocol, reactor, stdio  # noqa: E402
from twisted.protocols import amp  # noqa: E402


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"total", amp.Integer())]


live = [0]


class Server(amp.AMP):
    @Sum.responder
    def sum(self, a, b):
        return {"total": a + b}

    def connectionMade(self):
        live[0] += 1

    def connectionLost(self, reason):
        live[0] -= 1
        amp.AMP.connectionLost(self, reason)


class Control(protocol.Protocol):
    def dataReceived(self, data):
        for line in data.decode().splitlines():
            if line.strip() == "stats":
                self.transport.write((json.dumps({"conns": live[0]}) + "\n").encode())

    def connectionLost(self, reason):
        reactor.stop()


def server():
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Server), backlog=511, interface="127.0.0.1")
    sys.stdout.write(json.dumps({"port": port.getHost().port}) + "\n")
    sys.stdout.flush()
    stdio.StandardIO(Control())
    reactor.run()


def client(port, conns, depth, seconds):
    state = {"calls": 0, "running": True}

    def loop(proto):
        d = proto.callRemote(Sum, a=state["calls"], b=1)

        def ok(_):
            state["calls"] += 1
            if state["running"]:
                loop(proto)

        d.addCallbacks(ok, lambda _: None)

    @defer.inlineCallbacks
    def main():
        ep = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        protos = yield defer.gatherResults(
            [endpoints.connectProtocol(ep, amp.AMP()) for _ in range(conns)]
        )
        t0 = time.perf_counter()
        c0 = time.process_time()
        for p in protos:
            for _ in range(depth):
                loop(p)
        d = defer.Deferred()
        reactor.callLater(seconds, d.callback, None)
        yield d
        state["running"] = False
        elapsed = time.perf_counter() - t0
        cpu = (time.process_time() - c0) / elapsed
        sys.stdout.write(json.dumps({"calls": state["calls"], "seconds": elapsed, "cpu": cpu}) + "\n")
        sys.stdout.flush()
        os._exit(0)

    reactor.callWhenRunning(main)
    reactor.run()


if __name__ == "__main__":
    if sys.argv[1:2] == ["client"]:
        client(*[int(x) if i < 3 else float(x) for i, x in enumerate(sys.argv[2:6])])
    else:
        server()
