"""A real SMTP server on loopback for soudan's mail tests.

Prints the port it listens on, then writes every message it receives to
OUT_DIR as <n>.eml (with the envelope in <n>.env). Uses aiosmtpd when it is
installed, else the standard library's smtpd (Python 3.11 and older).
"""
import os
import sys

out_dir = sys.argv[1]
count = 0


def store(mail_from, rcpt_tos, data):
    global count
    count += 1
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(out_dir, f".{count}.tmp"), "wb") as f:
        f.write(data)
    with open(os.path.join(out_dir, f"{count}.env"), "w") as f:
        f.write(mail_from + "\n" + "\n".join(rcpt_tos) + "\n")
    os.rename(os.path.join(out_dir, f".{count}.tmp"), os.path.join(out_dir, f"{count}.eml"))


try:
    import socket
    import time

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            store(envelope.mail_from, envelope.rcpt_tos, envelope.original_content or envelope.content)
            return "250 OK"

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    while True:
        time.sleep(3600)
except ImportError:
    import warnings

    warnings.simplefilter("ignore")
    import asyncore
    import smtpd

    class Server(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            store(mailfrom, rcpttos, data)

    server = Server(("127.0.0.1", 0), None, decode_data=False)
    print(server.socket.getsockname()[1], flush=True)
    asyncore.loop()
