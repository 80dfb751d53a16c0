/**
 * PDF for people: title, period, scope, the ledger's verification status, summary figures,
 * then each section's table, breaking across pages with the header row repeated on every
 * page and "Page N of M" in every footer. A4 landscape, the standard Helvetica fonts.
 *
 * pdfkit supplies the file structure (objects, fonts, pages, compression) but not the text:
 * its `text()` lays out every call through its line wrapper, about 17 µs a call, which is
 * 17 s for a 100,000-row report. Here each cell is wrapped with a per-byte width table and
 * a page's text is written as one text object of `Tm`/`Tj` operators on literal strings
 * (ISO 32000-1 §9.4, §7.3.4.2), so the cost is a few array look-ups per character. Pages are drawn in one pass and
 * flushed as they fill; the "M" of "Page N of M" is a form XObject (§8.10) that every page
 * refers to and that is written once the last page is known.
 */
import PDFDocument from 'pdfkit';
import type { Cell, ReportColumn, ReportDocument, ReportTable } from './document.js';
import { displayText, ledgerSentence, periodText, statusTone } from './document.js';

const PAGE_W = 841.89;
const PAGE_H = 595.28;
const MARGIN_X = 32;
const BODY_TOP = 40;
const BODY_BOTTOM = PAGE_H - 36;
const CONTENT_W = PAGE_W - 2 * MARGIN_X;
const CELL_PAD = 3;
const TABLE_SIZE = 7;
const LINE_GAP = 1.15;
/** The widest id a table shows (displayText cuts ids to 12): Helvetica's digits are its widest hex. */
const WIDEST_ID = '0'.repeat(12);

type FontName = 'Helvetica' | 'Helvetica-Bold' | 'Helvetica-Oblique';
type Rgb = readonly [number, number, number];

const BLACK: Rgb = [0.11, 0.14, 0.17];
const GREY: Rgb = [0.36, 0.4, 0.44];
const RED: Rgb = [0.64, 0.05, 0.15];
const GREEN: Rgb = [0.1, 0.5, 0.22];
const AMBER: Rgb = [0.6, 0.4, 0];
const HEADER_FILL: Rgb = [0.92, 0.93, 0.95];
const STRIPE_FILL: Rgb = [0.975, 0.978, 0.982];
const RULE: Rgb = [0.8, 0.83, 0.86];

/** Unicode code points that WinAnsiEncoding places in 0x80-0x9F (ISO 32000-1 Annex D.2). */
const WIN_ANSI_HIGH: ReadonlyArray<[number, number]> = [
  [0x20ac, 0x80],
  [0x201a, 0x82],
  [0x0192, 0x83],
  [0x201e, 0x84],
  [0x2026, 0x85],
  [0x2020, 0x86],
  [0x2021, 0x87],
  [0x02c6, 0x88],
  [0x2030, 0x89],
  [0x0160, 0x8a],
  [0x2039, 0x8b],
  [0x0152, 0x8c],
  [0x017d, 0x8e],
  [0x2018, 0x91],
  [0x2019, 0x92],
  [0x201c, 0x93],
  [0x201d, 0x94],
  [0x2022, 0x95],
  [0x2013, 0x96],
  [0x2014, 0x97],
  [0x02dc, 0x98],
  [0x2122, 0x99],
  [0x0161, 0x9a],
  [0x203a, 0x9b],
  [0x0153, 0x9c],
  [0x017e, 0x9e],
  [0x0178, 0x9f],
];
const TO_WIN_ANSI = new Map(WIN_ANSI_HIGH);
const FROM_WIN_ANSI = new Map(WIN_ANSI_HIGH.map(([u, b]) => [b, u]));
const PLAIN_LITERAL = /^[^()\\\x00-\x1f\x7f-\xff]*$/;

/** A PDF literal string (ISO 32000-1 §7.3.4.2) of WinAnsi bytes: `\`, `(`, `)` escaped, others as octal. */
export function pdfLiteral(text: string): string {
  if (PLAIN_LITERAL.test(text)) return `(${text})`;
  let out = '(';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28 || c === 0x29 || c === 0x5c) out += `\\${text[i]}`;
    else if (c < 0x20 || c > 0x7e) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += text[i];
  }
  return `${out})`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Text as a string of WinAnsi bytes (one char per byte). Line breaks and tabs become spaces;
 * anything the standard fonts cannot show becomes `?`.
 */
export function toWinAnsi(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) out += ' ';
    else if (c < 0x7f || (c >= 0xa0 && c <= 0xff)) out += ch;
    else {
      const b = TO_WIN_ANSI.get(c);
      out += b === undefined ? '?' : String.fromCharCode(b);
    }
  }
  return out;
}

/** pdfkit's font object: only what is needed to name the font on a page. */
interface PdfKitFont {
  id: string;
  ref(): unknown;
  widthOfString(text: string, size: number): number;
  ascender: number;
}

interface FontMetrics {
  handle: PdfKitFont;
  /** Advance width per WinAnsi byte, in 1/1000 of the font size. */
  widths: Float64Array;
  ascender: number;
}

function loadFont(doc: PDFKit.PDFDocument, name: FontName): FontMetrics {
  doc.font(name);
  const handle = (doc as unknown as { _font: PdfKitFont })._font;
  const widths = new Float64Array(256);
  for (let b = 0x20; b < 256; b++) {
    const unicode = b >= 0x80 && b < 0xa0 ? FROM_WIN_ANSI.get(b) : b;
    widths[b] =
      unicode === undefined
        ? handle.widthOfString('?', 1000)
        : handle.widthOfString(String.fromCharCode(unicode), 1000);
  }
  return { handle, widths, ascender: handle.ascender };
}

/**
 * Column widths raised to at least `least` each, the room taken from the other columns in
 * proportion to what each has above its own least, so the total stays the same. Where the
 * leasts add up to more than the total, each column gets its share of the total by its least.
 */
export function widenToFit(widths: readonly number[], least: readonly number[]): number[] {
  const total = widths.reduce((a, b) => a + b, 0);
  const needed = least.reduce((a, b) => a + b, 0);
  if (needed >= total) return least.map((l) => (l / needed) * total);
  const short = widths.reduce((sum, w, i) => sum + Math.max(0, least[i]! - w), 0);
  if (short === 0) return [...widths];
  // What the others have above their least exceeds what the short ones lack by total - needed,
  // so each gives up less than all of its spare and stays above its least.
  const spare = widths.reduce((sum, w, i) => sum + Math.max(0, w - least[i]!), 0);
  return widths.map((w, i) => (w < least[i]! ? least[i]! : w - (w - least[i]!) * (short / spare)));
}

function width(font: FontMetrics, text: string, size: number): number {
  let w = 0;
  for (let i = 0; i < text.length; i++) w += font.widths[text.charCodeAt(i)]!;
  return (w * size) / 1000;
}

const ELLIPSIS = '\u0085';

/** Cuts a WinAnsi string to fit `max` points, ending it with an ellipsis. */
function cut(font: FontMetrics, text: string, size: number, max: number): string {
  const room = max - width(font, ELLIPSIS, size);
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    w += (font.widths[text.charCodeAt(i)]! * size) / 1000;
    if (w > room) return `${text.slice(0, i).trimEnd()}${ELLIPSIS}`;
  }
  return `${text}${ELLIPSIS}`;
}

/** Greedy word wrap of a WinAnsi string into at most `maxLines` lines of `max` points. */
export function wrapLine(
  font: FontMetrics,
  text: string,
  size: number,
  max: number,
  maxLines: number,
): string[] {
  const flat =
    text.includes('  ') || text.startsWith(' ') || text.endsWith(' ')
      ? text.replace(/ +/g, ' ').trim()
      : text;
  if (flat.length === 0) return [];
  if (width(font, flat, size) <= max) return [flat];
  const space = (font.widths[32]! * size) / 1000;
  const words = flat.split(' ');
  const lines: string[] = [];
  let line = '';
  let lineW = 0;
  for (let wi = 0; wi < words.length; wi++) {
    let word = words[wi]!;
    while (word.length > 0) {
      const wordW = width(font, word, size);
      const needed = line.length === 0 ? wordW : lineW + space + wordW;
      if (needed <= max) {
        line = line.length === 0 ? word : `${line} ${word}`;
        lineW = needed;
        word = '';
        break;
      }
      if (line.length > 0) {
        lines.push(line);
        line = '';
        lineW = 0;
      } else {
        // A word wider than the column (a hash, a path): break it between characters.
        let w = 0;
        let i = 0;
        for (; i < word.length; i++) {
          const cw = (font.widths[word.charCodeAt(i)]! * size) / 1000;
          if (w + cw > max && i > 0) break;
          w += cw;
        }
        // Prefer to break after punctuation (model ids, paths, e-mail addresses).
        const soft = Math.max(...['-', '/', '_', '.', '@', ','].map((c) => word.lastIndexOf(c, i - 1)));
        if (soft > 0 && soft < i - 1 && i < word.length) i = soft + 1;
        lines.push(word.slice(0, i));
        word = word.slice(i);
      }
      if (lines.length === maxLines) {
        const rest = [word, ...words.slice(wi + 1)].filter((x) => x.length > 0).join(' ');
        if (rest.length > 0) lines[maxLines - 1] = cut(font, `${lines[maxLines - 1]} ${rest}`, size, max);
        return lines;
      }
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

function num(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

function rgb(c: Rgb): string {
  return `${num(c[0])} ${num(c[1])} ${num(c[2])}`;
}

interface Fonts {
  regular: FontMetrics;
  bold: FontMetrics;
  italic: FontMetrics;
}

interface PreparedTable {
  columns: ReportColumn[];
  x: number[];
  w: number[];
  header: string[][];
  headerH: number;
}

const TONES = { good: GREEN, bad: RED, warn: AMBER } as const;

function statusColour(text: string): Rgb | undefined {
  const tone = statusTone(text);
  return tone ? TONES[tone] : undefined;
}

const TOTAL_PAGES_XOBJECT = 'TrailPageCount';

/** Lays the report out page by page, drawing each page's content as it fills. */
class Layout {
  pages = 0;
  private y = BODY_TOP;
  /** This page's paths (fills, rules, the page-count form) and its text, drawn after them. */
  private graphics: string[] = [];
  private texts: string[] = [];
  /** The text state within the page's one text object, so Tf and rg are set only on change. */
  private stateFont?: FontMetrics;
  private stateSize = 0;
  private stateColour?: Rgb;
  /** Start of the last text line, in tenths of a point (the text line matrix, §9.4.2). */
  private lineX = 0;
  private lineY = 0;
  private rowsDone = 0;
  private readonly totalPages: { write(data: string): void; end(): void };

  constructor(
    private readonly report: ReportDocument,
    private readonly fonts: Fonts,
    private readonly doc: PDFKit.PDFDocument,
    private readonly onRow?: (done: number) => void,
  ) {
    const font = fonts.regular.handle;
    this.totalPages = (
      doc as unknown as { ref(data: object): { write(data: string): void; end(): void } }
    ).ref({
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, -3, 120, 10],
      Resources: { Font: { [font.id]: font.ref() } },
    });
  }

  private flush(): void {
    if (this.graphics.length === 0 && this.texts.length === 0) return;
    const page = this.doc.page as unknown as {
      fonts: Record<string, unknown>;
      xobjects: Record<string, unknown>;
    };
    for (const f of [this.fonts.regular, this.fonts.bold, this.fonts.italic]) {
      page.fonts[f.handle.id] ??= f.handle.ref();
    }
    page.xobjects[TOTAL_PAGES_XOBJECT] = this.totalPages;
    // pdfkit's page space has its origin at the top left; flip back to PDF's own. One text
    // object per page (§9.4) after the paths, which are all backgrounds.
    // Handed over as bytes: pdfkit converts strings one character at a time.
    const content = `q 1 0 0 -1 0 ${num(PAGE_H)} cm\n${this.graphics.join('\n')}\nBT\n${this.texts.join('\n')}\nET\nQ\n`;
    this.doc.addContent(Buffer.from(content, 'latin1'));
    this.graphics = [];
    this.texts = [];
    this.stateFont = undefined;
    this.stateColour = undefined;
    this.lineX = 0;
    this.lineY = 0;
  }

  newPage(): void {
    this.flush();
    this.pages++;
    this.y = BODY_TOP;
    this.doc.addPage({ size: [PAGE_W, PAGE_H], margin: 0 });
    const r = this.report;
    const f = this.fonts;
    this.text(
      f.regular,
      7,
      MARGIN_X,
      16,
      toWinAnsi(`${r.title} | ${r.scope.repository} | ${periodText(r.period)}`),
      GREY,
    );
    const status = r.ledger.ok ? 'Ledger verified' : 'LEDGER VERIFICATION FAILED';
    this.textRight(f.bold, 7, PAGE_W - MARGIN_X, 16, toWinAnsi(status), r.ledger.ok ? GREEN : RED);
    this.rule(MARGIN_X, 27, CONTENT_W);
    this.rule(MARGIN_X, PAGE_H - 28, CONTENT_W);
    this.text(f.regular, 7, MARGIN_X, PAGE_H - 22, toWinAnsi(`Generated ${r.generatedAt} by Trail`), GREY);
    const label = `Page ${this.pages} of `;
    const x = PAGE_W - MARGIN_X - 70;
    this.text(f.regular, 7, x, PAGE_H - 22, label, GREY);
    const baseline = PAGE_H - (PAGE_H - 22) - (f.regular.ascender * 7) / 1000;
    this.graphics.push(
      `q 1 0 0 1 ${num(x + width(f.regular, label, 7))} ${num(baseline)} cm /${TOTAL_PAGES_XOBJECT} Do Q`,
    );
  }

  /** Flushes the last page and writes the page count every footer refers to. */
  finish(): void {
    this.flush();
    const font = this.fonts.regular.handle;
    this.totalPages.write(`BT /${font.id} 7 Tf ${rgb(GREY)} rg 0 0 Td (${this.pages}) Tj ET`);
    this.totalPages.end();
  }

  /** `text` is WinAnsi; `top` is the top of the line box, measured down from the page top. */
  private text(
    font: FontMetrics,
    size: number,
    x: number,
    top: number,
    text: string,
    colour: Rgb = BLACK,
  ): void {
    if (text.length === 0) return;
    if (font !== this.stateFont || size !== this.stateSize) {
      this.texts.push(`/${font.handle.id} ${num(size)} Tf`);
      this.stateFont = font;
      this.stateSize = size;
    }
    if (colour !== this.stateColour) {
      this.texts.push(`${rgb(colour)} rg`);
      this.stateColour = colour;
    }
    // Positions to a tenth of a point, each as a move from the previous line's start (Td):
    // short operators, so less to compress.
    const tx = Math.round(x * 10);
    const ty = Math.round((PAGE_H - top - (font.ascender * size) / 1000) * 10);
    this.texts.push(`${(tx - this.lineX) / 10} ${(ty - this.lineY) / 10} Td ${pdfLiteral(text)} Tj`);
    this.lineX = tx;
    this.lineY = ty;
  }

  private textRight(
    font: FontMetrics,
    size: number,
    right: number,
    top: number,
    text: string,
    colour?: Rgb,
  ): void {
    this.text(font, size, right - width(font, text, size), top, text, colour);
  }

  private fill(x: number, top: number, w: number, h: number, colour: Rgb): void {
    this.graphics.push(`${rgb(colour)} rg ${num(x)} ${num(PAGE_H - top - h)} ${num(w)} ${num(h)} re f`);
  }

  private rule(x: number, top: number, w: number): void {
    this.graphics.push(
      `${rgb(RULE)} RG 0.5 w ${num(x)} ${num(PAGE_H - top)} m ${num(x + w)} ${num(PAGE_H - top)} l S`,
    );
  }

  private room(h: number): boolean {
    return this.y + h <= BODY_BOTTOM;
  }

  private ensure(h: number): void {
    if (!this.room(h)) this.newPage();
  }

  /** Wrapped paragraph; long ones continue on the next page. */
  paragraph(text: string, font: FontMetrics, size: number, colour: Rgb = BLACK, after = 4): void {
    const lh = size * LINE_GAP;
    for (const line of wrapLine(font, toWinAnsi(text), size, CONTENT_W, 1000)) {
      this.ensure(lh);
      this.text(font, size, MARGIN_X, this.y, line, colour);
      this.y += lh;
    }
    this.y += after;
  }

  space(h: number): void {
    this.y += h;
  }

  /** The title block: title, period, scope, generated, policy and the ledger's status. */
  titleBlock(): void {
    const r = this.report;
    const f = this.fonts;
    this.paragraph(r.title, f.bold, 18, BLACK, 6);
    for (const [label, value] of [
      ['Period', periodText(r.period)],
      ['Scope', r.scope.description],
      ['Generated', `${r.generatedAt} by Trail`],
      ['Policy', r.policy],
    ] as const) {
      const lines = wrapLine(f.regular, toWinAnsi(value), 9, CONTENT_W - 70, 3);
      this.ensure(lines.length * 9 * LINE_GAP);
      this.text(f.bold, 9, MARGIN_X, this.y, label);
      for (const line of lines) {
        this.text(f.regular, 9, MARGIN_X + 70, this.y, line);
        this.y += 9 * LINE_GAP;
      }
    }
    this.y += 6;
    // The verdict, then each problem `trail verify` found on lines of its own.
    const lines: Array<[FontMetrics, string]> = [
      ...wrapLine(f.bold, toWinAnsi(ledgerSentence(r.ledger)), 9, CONTENT_W - 16, 4).map(
        (l) => [f.bold, l] as [FontMetrics, string],
      ),
      ...r.ledger.problems.flatMap((p) =>
        wrapLine(f.regular, toWinAnsi(p), 8, CONTENT_W - 16, 2).map(
          (l) => [f.regular, l] as [FontMetrics, string],
        ),
      ),
    ];
    const h = lines.length * 9 * LINE_GAP + 10;
    this.ensure(h);
    this.fill(MARGIN_X, this.y, CONTENT_W, h, r.ledger.ok ? [0.9, 0.96, 0.92] : [0.99, 0.92, 0.92]);
    let top = this.y + 5;
    for (const [font, line] of lines) {
      this.text(font, font === f.bold ? 9 : 8, MARGIN_X + 8, top, line, r.ledger.ok ? GREEN : RED);
      top += 9 * LINE_GAP;
    }
    this.y += h + 10;
  }

  heading(text: string, size = 12): void {
    this.ensure(size * LINE_GAP + 40); // keep a heading with what follows it
    this.paragraph(text, this.fonts.bold, size, BLACK, 3);
  }

  private prepare(table: ReportTable): PreparedTable {
    const weights = table.columns.map((c) => c.weight ?? 1);
    const sum = weights.reduce((a, b) => a + b, 0);
    // No header word is broken between letters ("Environment" over "s"), nor an id: a column
    // is at least as wide as its title's longest word, and an id column as a 12-digit id.
    const least = table.columns.map(
      (c) =>
        Math.max(
          ...toWinAnsi(c.title)
            .split(' ')
            .map((word) => width(this.fonts.bold, word, TABLE_SIZE)),
          c.kind === 'id' ? width(this.fonts.regular, WIDEST_ID, TABLE_SIZE) : 0,
        ) +
        2 * CELL_PAD,
    );
    const w = widenToFit(
      weights.map((x) => (x / sum) * CONTENT_W),
      least,
    );
    const x: number[] = [];
    let at = MARGIN_X;
    for (const cw of w) {
      x.push(at);
      at += cw;
    }
    const header = table.columns.map((c, i) =>
      wrapLine(this.fonts.bold, toWinAnsi(c.title), TABLE_SIZE, w[i]! - 2 * CELL_PAD, 3),
    );
    const lh = TABLE_SIZE * LINE_GAP;
    const headerH = Math.max(1, ...header.map((l) => l.length)) * lh + 2 * CELL_PAD;
    return { columns: table.columns, x, w, header, headerH };
  }

  private drawHeader(t: PreparedTable): void {
    this.fill(MARGIN_X, this.y, CONTENT_W, t.headerH, HEADER_FILL);
    const lh = TABLE_SIZE * LINE_GAP;
    t.header.forEach((lines, i) => {
      const top = this.y + CELL_PAD;
      lines.forEach((line, li) => {
        if (t.columns[i]!.kind === 'number') {
          this.textRight(this.fonts.bold, TABLE_SIZE, t.x[i]! + t.w[i]! - CELL_PAD, top + li * lh, line);
        } else this.text(this.fonts.bold, TABLE_SIZE, t.x[i]! + CELL_PAD, top + li * lh, line);
      });
    });
    this.y += t.headerH;
  }

  private cellLines(value: Cell, column: ReportColumn, w: number): string[] {
    if (value === null || value === undefined) return [];
    return wrapLine(
      this.fonts.regular,
      toWinAnsi(displayText(value, column)),
      TABLE_SIZE,
      w - 2 * CELL_PAD,
      column.maxLines ?? 3,
    );
  }

  table(title: string, table: ReportTable): void {
    const t = this.prepare(table);
    const lh = TABLE_SIZE * LINE_GAP;
    this.ensure(t.headerH + lh + 2 * CELL_PAD);
    this.drawHeader(t);
    if (table.rows.length === 0) {
      this.text(this.fonts.italic, TABLE_SIZE, MARGIN_X + CELL_PAD, this.y + CELL_PAD, 'None.', GREY);
      this.y += lh + 2 * CELL_PAD;
    }
    let stripe = false;
    for (const row of table.rows) {
      const cells = t.columns.map((c, i) => this.cellLines(row[i] ?? null, c, t.w[i]!));
      const h = Math.max(1, ...cells.map((l) => l.length)) * lh + 2 * CELL_PAD;
      if (!this.room(h)) {
        this.newPage();
        this.paragraph(`${title} (continued)`, this.fonts.bold, 9, GREY, 3);
        this.drawHeader(t);
        stripe = false;
      }
      if (stripe) this.fill(MARGIN_X, this.y, CONTENT_W, h, STRIPE_FILL);
      stripe = !stripe;
      cells.forEach((lines, i) => {
        const column = t.columns[i]!;
        const colour = column.kind === 'status' ? statusColour(lines[0] ?? '') : undefined;
        lines.forEach((line, li) => {
          const top = this.y + CELL_PAD + li * lh;
          if (column.kind === 'number') {
            this.textRight(this.fonts.regular, TABLE_SIZE, t.x[i]! + t.w[i]! - CELL_PAD, top, line, colour);
          } else this.text(this.fonts.regular, TABLE_SIZE, t.x[i]! + CELL_PAD, top, line, colour);
        });
      });
      this.y += h;
      this.rowsDone++;
      if (this.onRow && this.rowsDone % 2000 === 0) this.onRow(this.rowsDone);
    }
    this.y += 8;
  }
}

function lay(layout: Layout, report: ReportDocument, fonts: Fonts): void {
  layout.newPage();
  layout.titleBlock();
  layout.heading('Summary');
  layout.table('Summary', {
    columns: [
      { key: 'label', title: 'Figure', weight: 2 },
      { key: 'value', title: 'Value', weight: 5 },
    ],
    rows: report.summary.map((s) => [s.label.trim(), s.value]),
  });
  for (const section of report.sections) {
    layout.heading(section.title);
    for (const p of section.intro ?? []) layout.paragraph(p, fonts.regular, 8.5);
    if (section.table) layout.table(section.title, section.table);
    for (const n of section.notes ?? []) layout.paragraph(n, fonts.italic, 7.5, GREY, 2);
    layout.space(6);
  }
  layout.finish();
}

/** Renders the report to PDF bytes. */
export async function renderPdf(
  report: ReportDocument,
  onProgress?: (done: number, total: number) => void,
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [PAGE_W, PAGE_H],
    margin: 0,
    autoFirstPage: false,
    compress: true,
    info: {
      Title: `${report.title}: ${report.scope.repository}`,
      Author: 'Trail',
      Subject: `${report.kind} report, ${periodText(report.period)}`,
      Creator: 'Trail',
      CreationDate: new Date(report.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const fonts: Fonts = {
    regular: loadFont(doc, 'Helvetica'),
    bold: loadFont(doc, 'Helvetica-Bold'),
    italic: loadFont(doc, 'Helvetica-Oblique'),
  };
  const total = report.sections.reduce((n, s) => n + (s.table?.rows.length ?? 0), 0) + report.summary.length;
  lay(
    new Layout(report, fonts, doc, onProgress ? (done) => onProgress(done, total) : undefined),
    report,
    fonts,
  );
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
