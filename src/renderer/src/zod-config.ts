/**
 * Imported first by main.tsx. zod compiles fast parsers with `new Function` unless told not to;
 * the window's CSP forbids eval, so its probe was a CSP violation on every page load. The
 * interpreted parsers are plenty fast for the UI's inputs.
 */
import { z } from 'zod';

z.config({ jitless: true });
