"""A real TAXII 2.1 client (the OASIS taxii2-client) against mamori's server.

Usage: taxii_client.py BASE_URL TOKEN INDICATOR_JSON
Prints one JSON line with what the client saw; exits non-zero on any failure.
"""
import json
import sys

import requests
from taxii2client.v21 import Server, as_pages


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        return r


base, token, indicator = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
server = Server(base + "/taxii2/", auth=Bearer(token))
root = server.default
collections = {c.title: c for c in root.collections}
clear = collections["TLP:CLEAR"]
assert clear.can_read, "the CLEAR collection is readable"
seen = []
for envelope in as_pages(clear.get_objects, per_request=7):
    seen.extend(o["id"] for o in envelope.get("objects", []))
status = clear.add_objects(json.dumps({"objects": [indicator]}))
manifest = clear.get_manifest()
print(json.dumps({
    "api_root": root.title,
    "collections": sorted(collections),
    "paged_ids": seen,
    "status": status.status,
    "success_count": status.success_count,
    "manifest_count": len(manifest.get("objects", [])),
}))
