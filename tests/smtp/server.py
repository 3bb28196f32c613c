"""A real SMTP server on loopback for the end-to-end tests (aiosmtpd).

Usage: python3 server.py DIR
Listens on a free 127.0.0.1 port, prints "ready PORT" once listening, and writes each message it
accepts to DIR as N.eml (the raw bytes received). Recipients whose local part says so are
refused as a real server would: "tempfail-*" once with 451 (try again later), then accepted;
"bounce-*" always with 550 (no such user). Runs until killed or its stdin closes.
"""

import asyncio
import os
import socket
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.tempfailed = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if local.startswith("tempfail") and address not in self.tempfailed:
            self.tempfailed.add(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:04}.eml")
        with open(path + ".part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".part", path)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(folder):
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=free_port())
    controller.start()
    print(f"ready {controller.port}", flush=True)
    loop = asyncio.get_running_loop()
    # Until the test closes our stdin (or kills us).
    await loop.run_in_executor(None, sys.stdin.read)
    controller.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
