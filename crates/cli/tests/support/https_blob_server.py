#!/usr/bin/env python3
"""A site's foreign-layer mirror, for the foreign_mirror suite: HTTPS with a certificate of the
test's own CA, serving the files under ROOT by path (read at each request, so a test can change
what it serves), and logging every request as one JSON line — method, path and every header — so
the test can see what reached the mirror (never a registry's Authorization).

Usage: https_blob_server.py CERT KEY ROOT LOG. Prints the port it listens on (127.0.0.1, chosen by
the system) once it accepts connections.
"""

import http.server
import json
import os
import ssl
import sys


def main():
    cert, key, root, log_path = sys.argv[1:5]
    log = open(log_path, "a", buffering=1)

    class Mirror(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.answer(body=True)

        def do_HEAD(self):
            self.answer(body=False)

        def answer(self, body):
            log.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers.items())}) + "\n")
            name = os.path.normpath(self.path.split("?", 1)[0].lstrip("/"))
            file = os.path.join(root, name)
            if name.startswith("..") or not os.path.isfile(file):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with open(file, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, *args):
            pass  # the JSON log above is the record

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
