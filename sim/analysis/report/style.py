"""The report's look, shared by its pages: the style sheet and the HTML table."""

from __future__ import annotations

from collections.abc import Sequence

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;max-width:1320px;margin:0 auto;padding:1.5em 1em 4em;line-height:1.45}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.3em;margin-top:2.2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
h3{font-size:1.08em;margin-top:1.6em}.sub{color:#555;margin-top:0}
nav{background:#f4f6f8;padding:.6em 1em;border-radius:6px;font-size:.92em}nav a{margin-right:1.1em;color:#0072B2;text-decoration:none}
.headline{background:#eef5fb;border-left:5px solid #0072B2;padding:.8em 1.2em;border-radius:4px}
.headline li{margin:.45em 0}.headline p{margin:.4em 0}
.note{color:#555;font-size:.9em}.warn{background:#fff4e5;border-left:5px solid #E69F00;padding:.5em 1em}
figure{margin:1.2em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.9em;margin-top:.4em}figcaption a{color:#0072B2}
.tablewrap{overflow-x:auto;margin:.8em 0}
table{border-collapse:collapse;font-size:.84em}th,td{padding:.3em .45em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f6f8;text-align:left;font-weight:600}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.num span.ci{white-space:normal}td.numw{text-align:right;font-variant-numeric:tabular-nums}td.name{overflow-wrap:anywhere;min-width:9em;max-width:22em}td.name code.raw{overflow-wrap:anywhere}tr.ref td{background:#fafafa}
.d{color:#555;font-size:.9em}.sig{color:#0b5394;font-weight:600}.ci{color:#666;font-size:.9em}
code.raw{color:#777;font-size:.8em}pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}code{font-size:.92em}
details{margin:.6em 0}summary{cursor:pointer;color:#0072B2}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.2em}dl.prov dt{font-weight:600}dl.prov dd{margin:0;overflow-wrap:anywhere}
"""


def html_table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    classes: Sequence[str] | None = None,
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells are already-escaped HTML."""
    out = [
        '<div class="tablewrap"><table><thead><tr>',
        *(f"<th>{h}</th>" for h in head),
        "</tr></thead><tbody>",
    ]
    for i, row in enumerate(rows):
        rc = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{rc}>")
        for j, cell in enumerate(row):
            c = f' class="{classes[j]}"' if classes and classes[j] else ""
            out.append(f"<td{c}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)
