"""Validates an Atom document: RFC 4287's schema (tests/atom.rnc, with lxml's RELAX NG), then
the rules the RFC states in prose. Used by the end-to-end tests on modelbrief's /feed.atom.

Usage: atom_validate.py FEED.xml
Prints "valid" and exits 0, or prints every problem with its line and exits 1.
"""

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import rnc2rng
from lxml import etree

A = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).with_name("atom.rnc")
# RFC 4287 3.3: RFC 3339 date-time, with an uppercase "T" and "Z".
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def prose_rules(root):
    """The RFC's MUSTs that a grammar cannot say."""
    problems = []
    entries = root.findall(A + "entry") if root.tag == A + "feed" else [root]

    def where(el, text):
        problems.append(f"line {el.sourceline}: {text}")

    # 4.1.1: a feed has an author unless every entry has one.
    if root.tag == A + "feed" and root.find(A + "author") is None:
        for e in entries:
            if e.find(A + "author") is None and e.find(A + "source/" + A + "author") is None:
                where(e, "entry has no atom:author and neither does the feed")
    # 4.1.1 / 4.1.2: at most one alternate link per type and hreflang.
    for el in [root] + entries:
        seen = set()
        for link in el.findall(A + "link"):
            if link.get("rel", "alternate") == "alternate":
                key = (link.get("type"), link.get("hreflang"))
                if key in seen:
                    where(link, f"a second alternate link with type/hreflang {key}")
                seen.add(key)
    for e in entries:
        content = e.find(A + "content")
        # 4.1.2: an entry without content has an alternate link.
        if content is None and not any(
            link.get("rel", "alternate") == "alternate" for link in e.findall(A + "link")
        ):
            where(e, "entry has neither atom:content nor an alternate link")
        # 4.1.2: out-of-line or binary content needs a summary.
        if content is not None and e.find(A + "summary") is None:
            ctype = content.get("type", "text")
            binary = ctype not in ("text", "html", "xhtml") and not (
                ctype.endswith("+xml") or ctype.endswith("/xml") or ctype.startswith("text/")
            )
            if content.get("src") is not None or binary:
                where(e, "entry with out-of-line or binary content has no atom:summary")
    # 3.3: dates; 4.2.6: ids are absolute IRIs, and entry ids are unique here.
    for tag in ("updated", "published"):
        for d in root.iter(A + tag):
            if not DATE.match((d.text or "").strip()):
                where(d, f"atom:{tag} {d.text!r} is not an RFC 3339 date-time")
    ids = []
    for i in root.iter(A + "id"):
        value = (i.text or "").strip()
        if not urlsplit(value).scheme:
            where(i, f"atom:id {value!r} is not an absolute IRI")
        if i.getparent().tag == A + "entry":
            if value in ids:
                where(i, f"entry id {value!r} appears twice")
            ids.append(value)
    return problems


def load_schema():
    """tests/atom.rnc as a RELAX NG validator. rnc2rng writes the schema's empty `local`
    namespace as an `xmlns:local=""` declaration, which XML 1.0 forbids; the grammar itself
    refers to it as `<nsName ns=""/>`, so dropping the declaration changes nothing else."""
    rng = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text()))
    rng = rng.replace('xmlns:local=""', "", 1)
    return etree.RelaxNG(etree.fromstring(rng.encode()))


def main(path):
    schema = load_schema()
    try:
        doc = etree.parse(path)
    except etree.XMLSyntaxError as e:
        print(f"{path}: not well-formed XML: {e}")
        return 1
    problems = []
    if not schema.validate(doc):
        problems += [f"line {e.line}: {e.message}" for e in schema.error_log]
    problems += prose_rules(doc.getroot())
    if problems:
        for p in problems:
            print(f"{path}: {p}")
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
