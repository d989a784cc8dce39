// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { svgFileText, svgSize, toCsv } from './export';

describe('toCsv', () => {
  it('writes a header and CRLF lines, quoting only where needed', () => {
    const text = toCsv({
      columns: ['id', 'title', 'price'],
      rows: [
        ['9001', 'Plain', 250],
        ['9002', 'Has, comma', 500],
        ['9003', 'Says "hi"\nand more', 1000],
      ],
    });
    expect(text).toBe('id,title,price\r\n9001,Plain,250\r\n9002,"Has, comma",500\r\n9003,"Says ""hi""\nand more",1000\r\n');
  });

  it('writes nulls and non-finite numbers as empty cells, booleans as words, negatives as numbers', () => {
    expect(toCsv({ columns: ['a', 'b', 'c', 'd', 'e'], rows: [[null, undefined, Number.NaN, true, -12.5]] })).toBe('a,b,c,d,e\r\n,,,true,-12.5\r\n');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    const text = toCsv({ columns: ['title'], rows: [['=HYPERLINK("x")'], ['+1'], ['-2'], ['@SUM(A1)'], ['[$250] fine']] });
    expect(text.split('\r\n').slice(1, 6)).toEqual(["\"'=HYPERLINK(\"\"x\"\")\"", "'+1", "'-2", "'@SUM(A1)", '[$250] fine']);
  });
});

describe('svgFileText', () => {
  const makeSvg = (): SVGSVGElement => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 320 200');
    svg.setAttribute('class', 'lancer-plot');
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    rect.setAttribute('width', '10');
    svg.append(rect);
    return svg;
  };

  it('makes a standalone file: namespace, size, background, text rules; the page chart is untouched', () => {
    const svg = makeSvg();
    const text = svgFileText(svg);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(text).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(text).toContain('width="320"');
    expect(text).toContain('height="200"');
    expect(text).toContain('<rect width="100%" height="100%" fill="white"');
    expect(text).toContain('white-space: pre');
    expect(svg.querySelectorAll('style')).toHaveLength(0);
    expect(svg.children).toHaveLength(1);
  });

  it('takes the size from width and height when set, else the viewBox', () => {
    const svg = makeSvg();
    expect(svgSize(svg)).toEqual({ width: 320, height: 200 });
    svg.setAttribute('width', '640');
    svg.setAttribute('height', '260');
    expect(svgSize(svg)).toEqual({ width: 640, height: 260 });
  });
});
