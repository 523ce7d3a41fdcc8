import type { Block, ReportDocument } from './document.js';

const ESC: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => ESC[c] as string);

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h2>${esc(b.text)}</h2>`;
    case 'text':
      return `<p>${esc(b.text)}</p>`;
    case 'fields':
      return `<table class="fields">${b.rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
    case 'table':
      return (
        `<table><thead><tr>${b.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>` +
        (b.rows.length === 0 ? `<tr><td colspan="${b.columns.length}">none</td></tr>` : b.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')) +
        `</tbody></table>${b.note ? `<p class="note">${esc(b.note)}</p>` : ''}`
      );
  }
}

/** The summary as a self-contained HTML page (no script, no external resource). */
export function renderHtml(doc: ReportDocument): Buffer {
  const css =
    'body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:.5em 0}' +
    'th,td{border:1px solid #999;padding:2px 6px;text-align:left;font-size:12px}h2{margin-top:1.5em}.note{color:#555;font-size:11px}.fields th{background:#eee}';
  return Buffer.from(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.title)}</title><style>${css}</style></head>` +
      `<body><h1>${esc(doc.title)}</h1>\n${doc.blocks.map(block).join('\n')}\n</body></html>\n`,
    'utf8',
  );
}
