/**
 * Reads an RFC-4180 CSV with csv-parse: multi-line quoted fields, CRLF inside fields, a BOM,
 * and cells of any size (the largest official cell is over 100 KB).
 */
import { parse } from 'csv-parse';

export interface CsvRecord {
  fields: string[];
  /** 1-based line in the file where the record starts. */
  line: number;
}

/**
 * Parses the whole buffer, yielding to the event loop between chunks so a window stays
 * responsive on big files; `onBytes` reports how far it got.
 */
export async function readCsvRecords(
  bytes: Buffer,
  file: string,
  onBytes?: (done: number, total: number) => void,
): Promise<CsvRecord[]> {
  const parser = parse({ bom: true, relax_quotes: false, relax_column_count: true, info: true, skip_empty_lines: true });
  const records: CsvRecord[] = [];
  const lines = new LineCounter(bytes);
  const done = new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      let item: { record: string[]; info: { bytes: number } } | null;
      while ((item = parser.read() as typeof item) !== null) {
        records.push({ fields: item.record, line: lines.startOfRecordEndingAt(item.info.bytes) });
      }
    });
    parser.on('error', (error: Error & { lines?: number }) =>
      reject(new Error(`${file}: not a valid CSV${error.lines ? ` at line ${error.lines}` : ''}: ${error.message}`)),
    );
    parser.on('end', resolve);
  });
  const chunk = 4 * 1024 * 1024;
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    parser.write(bytes.subarray(offset, offset + chunk));
    onBytes?.(Math.min(offset + chunk, bytes.length), bytes.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  parser.end();
  await done;
  return records;
}

/**
 * csv-parse counts a CRLF inside a quoted field as two lines, so its line numbers drift from
 * what an editor shows. This counts LF bytes instead, from each record's start offset (the
 * previous record's end, past any blank lines), in one pass over the file.
 */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly bytes: Buffer) {}

  /** The editor line where the record that ends at byte `end` starts. */
  startOfRecordEndingAt(end: number): number {
    // Skip a BOM and blank lines between records.
    if (this.offset === 0 && this.bytes[0] === 0xef && this.bytes[1] === 0xbb && this.bytes[2] === 0xbf) this.offset = 3;
    while (this.offset < end && (this.bytes[this.offset] === 0x0a || this.bytes[this.offset] === 0x0d)) {
      if (this.bytes[this.offset] === 0x0a) this.line += 1;
      this.offset += 1;
    }
    const start = this.line;
    for (let i = this.bytes.indexOf(0x0a, this.offset); i >= 0 && i < end; i = this.bytes.indexOf(0x0a, i + 1)) this.line += 1;
    this.offset = end;
    return start;
  }
}
