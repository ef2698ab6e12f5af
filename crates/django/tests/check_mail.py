"""Parses what smtp_server.py saved, the way a careful mail client would, and
prints one JSON object per message (a JSON list) for logtree-django's tests.

    /usr/bin/python3 check_mail.py DIR

For each message: the envelope; every header as Python's strict email policy reads
it (encoded words decoded, folding undone); the longest raw line in octets; every
MIME leaf part decoded (quoted-printable and base64 undone) as text; and, for HTML
parts, what an HTML parser finds in them: the number of <script> elements, of
on* attributes, and the text content.
"""
import email
import email.policy
import json
import os
import sys
from html.parser import HTMLParser


class Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.on_attrs = 0
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self.scripts += 1
        self.on_attrs += sum(1 for k, _ in attrs if k.lower().startswith("on"))

    def handle_data(self, data):
        self.text.append(data)


def one(directory, name):
    with open(os.path.join(directory, name + ".json")) as f:
        meta = json.load(f)
    with open(os.path.join(directory, name + ".eml"), "rb") as f:
        raw = f.read()
    out = dict(meta)
    out["raw"] = raw.decode("utf-8", "replace")
    out["max_line_octets"] = max((len(l) for l in raw.split(b"\n")), default=0)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
    except Exception as e:  # a strict parser refusing the message is a finding
        out["error"] = "%s: %s" % (type(e).__name__, e)
        return out
    out["headers"] = [[k, str(v)] for k, v in msg.items()]
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        body = part.get_content()
        entry = {"type": part.get_content_type(), "content": body}
        if part.get_content_type() == "text/html":
            s = Scan()
            s.feed(body)
            s.close()
            entry["scripts"] = s.scripts
            entry["on_attrs"] = s.on_attrs
            entry["text"] = "".join(s.text)
            entry["tags"] = sorted(set(s.tags))
        parts.append(entry)
    out["parts"] = parts
    return out


def main():
    directory = sys.argv[1]
    names = sorted(n[:-5] for n in os.listdir(directory) if n.endswith(".json"))
    json.dump([one(directory, n) for n in names], sys.stdout)


if __name__ == "__main__":
    main()
