/**
 * Downloads from the Results page: tables as CSV, the report as JSON, charts as SVG and PNG.
 * Everything is made in the page and offered through a Blob link, so it works the same in the
 * Electron window and in a browser tab, and nothing goes back to the server.
 */

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvTable {
  columns: string[];
  rows: CsvValue[][];
}

/**
 * A spreadsheet runs a cell that starts with one of these as a formula; task titles come from
 * issue trackers, so text cells that start so get a leading apostrophe (OWASP's advice).
 * Numbers are written as numbers and keep their minus sign.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV with a header line and CRLF line ends. */
export function toCsv(table: CsvTable): string {
  const lines = [table.columns.map(csvCell).join(','), ...table.rows.map((row) => row.map(csvCell).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** Offers a Blob as a file: an `<a download>` clicked once, its URL let go after a while. */
export function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download keeps its own copy once started; give it a moment before letting go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadCsv(fileName: string, table: CsvTable): void {
  // A byte order mark so spreadsheet programs read titles with accents as UTF-8.
  downloadBlob(fileName, new Blob(['\uFEFF', toCsv(table)], { type: 'text/csv;charset=utf-8' }));
}

export function downloadText(fileName: string, text: string, type: string): void {
  downloadBlob(fileName, new Blob([text], { type }));
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * A chart as a standalone SVG file. The page styles charts from results.css (no `<style>` in the
 * chart, for the CSP); a file has no stylesheet, so the copy carries the few rules it needs, a
 * white background and the namespaces a file must declare.
 */
export function svgFileText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', SVG_NS);
  copy.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  const { width, height } = svgSize(svg);
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const style = document.createElementNS(SVG_NS, 'style');
  style.textContent = 'text, tspan { white-space: pre; }';
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', 'white');
  copy.prepend(style, background);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

/** The chart's own size (its viewBox), not the size the page happens to scale it to. */
export function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const box = (svg.getAttribute('viewBox') ?? '').split(/[\s,]+/).map(Number);
  const width = Number(svg.getAttribute('width')) || box[2] || 640;
  const height = Number(svg.getAttribute('height')) || box[3] || 400;
  return { width, height };
}

export function downloadSvg(fileName: string, svg: SVGSVGElement): void {
  downloadText(fileName, svgFileText(svg), 'image/svg+xml');
}

/**
 * A chart as a PNG: the SVG file drawn onto a canvas at `scale` times its size. The image loads
 * from a blob: URL, which the CSP's img-src allows and which keeps the canvas untainted.
 */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const { width, height } = svgSize(svg);
  const url = URL.createObjectURL(new Blob([svgFileText(svg)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.width = width;
    image.height = height;
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas to draw the chart on');
    context.fillStyle = 'white';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas made no PNG'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function downloadPng(fileName: string, svg: SVGSVGElement): Promise<void> {
  downloadBlob(fileName, await svgToPng(svg));
}
