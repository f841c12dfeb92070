"""Verifies the DKIM signature of .eml files against a public key (dkimpy), no DNS needed.

usage: dkim_verify.py PUBLIC_KEY_PEM SELECTOR DOMAIN FILE...
Exits 0 when every file verifies, 1 otherwise (and says which).
"""
import base64
import sys

import dkim


def main():
    pem, selector, domain, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(pem) as f:
        body = "".join(l.strip() for l in f if "-----" not in l)
    record = f"v=DKIM1; k=rsa; p={body}".encode()

    def dnsfunc(name, timeout=5):
        expected = f"{selector}._domainkey.{domain}."
        return record if name.decode().rstrip(".") + "." == expected else None

    bad = 0
    for path in files:
        with open(path, "rb") as f:
            msg = f.read()
        if not dkim.verify(msg, dnsfunc=dnsfunc):
            print(f"FAIL {path}")
            bad += 1
    print(f"verified {len(files) - bad} of {len(files)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
