"""The registry's floor for scripts/bench.d/upload.sh: the same layer sent straight to the
registry by a plain keep-alive HTTP client (Python's http.client), in PATCHes of CHUNK_MIB read
from the archive with pread, then the PUT ?digest= — what distribution itself takes to receive
1 GiB in chunks of that size, with no browser and no proxy.

usage: upload_floor.py REGISTRY_HOST:PORT REPOSITORY ARCHIVE OFFSET SIZE DIGEST CHUNK_MIB
Prints the seconds taken.
"""
import http.client
import os
import sys
import time
from urllib.parse import urlsplit

host, repository, archive, offset, size, digest, chunk_mib = sys.argv[1:]
offset, size, chunk = int(offset), int(size), int(chunk_mib) * 1048576
connection = http.client.HTTPConnection(host)


def send(method, url, body=b"", headers=None):
    connection.request(method, url, body=body, headers={"Content-Length": str(len(body)), **(headers or {})})
    response = connection.getresponse()
    response.read()
    return response


def path_of(location):
    """distribution answers with absolute Locations; the connection wants the path and query."""
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


fd = os.open(archive, os.O_RDONLY)
started = time.monotonic()
response = send("POST", f"/v2/{repository}/blobs/uploads/")
assert response.status == 202, f"POST: {response.status}"
location = path_of(response.getheader("Location"))
for at in range(0, size, chunk):
    piece = os.pread(fd, min(chunk, size - at), offset + at)
    response = send("PATCH", location, piece, {
        "Content-Type": "application/octet-stream",
        "Content-Range": f"{at}-{at + len(piece) - 1}",
    })
    assert response.status == 202, f"PATCH at {at}: {response.status}"
    location = path_of(response.getheader("Location"))
response = send("PUT", location + ("&" if "?" in location else "?") + "digest=" + digest)
assert response.status == 201, f"PUT: {response.status}"
print(f"{time.monotonic() - started:.3f}")
