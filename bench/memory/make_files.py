#!/usr/bin/env python3
"""Worst-case uploads of issue 17, written to the folder given (default .):
commas.csv (19 MB of commas), dup.json (15 MB of duplicate answers),
sst.xlsx (a workbook whose one shared string is 90 MB)."""
import io, json, os, sys, zipfile

out = sys.argv[1] if len(sys.argv) > 1 else "."
with open(os.path.join(out, "commas.csv"), "wb") as f:
    f.write(b"," * (19 * 1000 * 1000))
answer = {"item": 1, "evaluation": 2, "evidence": "x"}
one = json.dumps(answer) + ","
n = (15 * 1000 * 1000) // len(one)
with open(os.path.join(out, "dup.json"), "w") as f:
    f.write('{"company": {"code": "M-1"}, "fiscal_year": 2025, "answers": [' + one * n + json.dumps(answer) + "]}")
parts = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
}
with zipfile.ZipFile(os.path.join(out, "sst.xlsx"), "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(name, text)
    with z.open("xl/sharedStrings.xml", "w") as f:
        f.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
        chunk = b"a" * (1000 * 1000)
        for _ in range(90):
            f.write(chunk)
        f.write(b"</t></si></sst>")
