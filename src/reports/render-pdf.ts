import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Block, ReportDocument } from './document.js';

const require = createRequire(import.meta.url);
/** DejaVu Sans, embedded (subset) in every PDF so it renders the same everywhere, § and — included. */
let fonts: { regular: Buffer; bold: Buffer } | null = null;
function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

const MARGIN = 48;
const ROW = 13;

/** The summary as a PDF (A4, fonts embedded). `createdAt` is stamped as the document's creation date. */
export function renderPdf(doc: ReportDocument, createdAt: Date): Promise<Buffer> {
  const f = loadFonts();
  const pdf = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: doc.title, Creator: 'Bella Baxter', Producer: 'Bella Baxter', CreationDate: createdAt } });
  pdf.registerFont('body', f.regular);
  pdf.registerFont('bold', f.bold);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN - ROW;
  const room = (h: number) => {
    if (pdf.y + h > bottom()) pdf.addPage();
  };
  const row = (cells: readonly (string | number)[], widths: readonly number[], bold: boolean) => {
    room(ROW);
    const y = pdf.y;
    let x = MARGIN;
    pdf.font(bold ? 'bold' : 'body').fontSize(8);
    cells.forEach((c, i) => {
      const w = widths[i] as number;
      pdf.text(String(c), x, y, { width: w - 4, lineBreak: false, ellipsis: true, height: ROW });
      x += w;
    });
    pdf.x = MARGIN;
    pdf.y = y + ROW;
  };
  const draw = (b: Block) => {
    switch (b.kind) {
      case 'heading':
        room(40);
        pdf.moveDown(0.6).font('bold').fontSize(13).text(b.text, MARGIN, pdf.y, { width });
        pdf.moveDown(0.2);
        return;
      case 'text':
        pdf.font('body').fontSize(9).text(b.text, MARGIN, pdf.y, { width });
        pdf.moveDown(0.3);
        return;
      case 'fields':
        for (const [k, v] of b.rows) {
          room(ROW);
          const y = pdf.y;
          pdf.font('bold').fontSize(9).text(k, MARGIN, y, { width: 150 });
          pdf.font('body').fontSize(9).text(v, MARGIN + 150, y, { width: width - 150 });
          pdf.y = Math.max(pdf.y, y + ROW);
        }
        pdf.moveDown(0.3);
        return;
      case 'table': {
        // The first column takes what the numeric columns leave (they are short).
        const n = b.columns.length;
        const numeric = b.columns.map((_, i) => b.rows.length > 0 && b.rows.every((r) => typeof r[i] === 'number'));
        const narrow = 58;
        const flexible = numeric.filter((x) => !x).length || 1;
        const flexWidth = (width - narrow * numeric.filter(Boolean).length) / flexible;
        const widths = b.columns.map((_, i) => (numeric[i] ? narrow : flexWidth));
        row(b.columns, widths, true);
        if (b.rows.length === 0) row(['none', ...Array(n - 1).fill('')], widths, false);
        for (const r of b.rows) row(r, widths, false);
        if (b.note) {
          pdf.font('body').fontSize(8).fillColor('#555').text(b.note, MARGIN, pdf.y, { width }).fillColor('black');
        }
        pdf.moveDown(0.4);
        return;
      }
    }
  };
  pdf.font('bold').fontSize(17).text(doc.title, { width });
  pdf.moveDown(0.5);
  for (const b of doc.blocks) draw(b);
  pdf.end();
  return done;
}
