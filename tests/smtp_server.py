"""A real SMTP server for the end-to-end tests (aiosmtpd), with scriptable replies.

Writes each accepted message to DIR/<n>.eml (atomically) and prints `PORT <port>` once
listening. Options script faults for the delivery tests:
  --reject-rcpt ADDR=CODE      answer CODE to RCPT TO for ADDR (e.g. 550)
  --fail-first N=CODE          answer CODE to the first N DATA commands (e.g. 451)
  --greeting-code CODE         refuse connections with CODE (e.g. 421)
  --drop-data N                drop the connection during the first N DATA transfers
  --stall SECONDS              store the message, then wait before answering the final "."
  --never-answer               store the message and never answer the final "."
"""
import argparse
import asyncio
import itertools
import os
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.reject = dict(item.split("=", 1) for item in args.reject_rcpt)
        self.fail_first, self.fail_code = (0, "451")
        if args.fail_first:
            n, code = args.fail_first.split("=", 1)
            self.fail_first, self.fail_code = int(n), code
        self.drop = args.drop_data
        self.stall = args.stall
        self.never = args.never_answer
        self.counter = itertools.count(1)
        self.datas = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.reject.get(address)
        if code:
            return f"{code} 5.1.1 <{address}>: recipient rejected by test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.datas <= self.drop:
            session.transport.close() if hasattr(session, "transport") else None
            server.transport.close()
            return "421 closing"
        if self.datas <= self.fail_first:
            return f"{self.fail_code} 4.3.0 try again later"
        n = next(self.counter)
        tmp = os.path.join(self.dir, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(self.dir, f"{os.getpid()}-{n:07d}.eml"))
        if self.never:
            await asyncio.sleep(3600)
        if self.stall:
            await asyncio.sleep(self.stall)
        return "250 2.0.0 Ok: queued"


class Greeting(SMTP):
    refuse_code = None

    async def _handle_client(self):
        if self.refuse_code:
            await self.push(f"{self.refuse_code} 4.3.2 service not available")
            self.transport.close()
            return
        await super()._handle_client()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--fail-first")
    p.add_argument("--greeting-code")
    p.add_argument("--drop-data", type=int, default=0)
    p.add_argument("--stall", type=float, default=0)
    p.add_argument("--never-answer", action="store_true")
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args)
    Greeting.refuse_code = args.greeting_code
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Greeting(handler, data_size_limit=10 * 1024 * 1024, enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
