#!/usr/bin/env python3
"""Writes a small Word document (.docx) for the mail-intake tests, as Word lays out a form:
a two-column table of labels and answers, and optionally paragraphs after it.

  make_docx.py OUT.docx LABEL=VALUE ... [--paragraph TEXT ...]
"""
import sys, zipfile
from xml.sax.saxutils import escape

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def para(text):
    runs = "".join(f'<w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r>' + ("<w:r><w:br/></w:r>" if i < len(text.split("\n")) - 1 else "")
                   for i, line in enumerate(text.split("\n")))
    return f"<w:p>{runs}</w:p>"


def main():
    out, rows, paragraphs = sys.argv[1], [], []
    args = iter(sys.argv[2:])
    for arg in args:
        if arg == "--paragraph":
            paragraphs.append(next(args))
        else:
            label, _, value = arg.partition("=")
            rows.append((label, value))
    table = "<w:tbl>" + "".join(f"<w:tr><w:tc>{para(l)}</w:tc><w:tc>{para(v)}</w:tc></w:tr>" for l, v in rows) + "</w:tbl>"
    body = para("Rapport om samverkansbrist") + table + "".join(para(p) for p in paragraphs)
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document)


if __name__ == "__main__":
    main()
