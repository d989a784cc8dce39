/**
 * The task model shared by the importer, the CLI and the task browser.
 */
import { z } from 'zod';

export const variants = ['ic_swe', 'swe_manager'] as const;
export type Variant = (typeof variants)[number];

/** Count and dollars of some set of tasks. */
export interface Tally {
  count: number;
  dollars: number;
}

/** One imported version of a dataset; a changed file becomes a new version. */
export interface DatasetSummary {
  /** Stable id: a slug of the name (default: the CSV's file name). */
  id: string;
  name: string;
  versionId: number;
  version: number;
  contentHash: string;
  schema: 'current' | 'legacy';
  sourcePath: string;
  issuesDir: string | null;
  importedAt: string;
  taskCount: number;
  totalDollars: number;
  byVariant: Record<Variant, Tally>;
  /** Columns the importer did not know; kept per task in `extra`. */
  extraColumns: string[];
  versionCount: number;
}

/**
 * A row of the task browser: light enough to hold 15,000 in the renderer. `searchText` is the
 * lower-cased title and the start of the plain-text description, for instant filtering.
 */
export interface TaskRow {
  /** Stable across versions: `<datasetId>/<questionId>` (question ids never contain '/'). */
  id: string;
  datasetId: string;
  questionId: string;
  title: string;
  variant: Variant;
  price: number;
  set: string | null;
  hasTests: boolean;
  proposalCount: number;
  searchText: string;
}

/** One formal proposal a manager chooses from, joined with its scraped comment when found. */
export interface Proposal {
  id: number;
  author: string | null;
  sourceUrl: string;
  content: string;
  explanation: string;
  restatedProblem: string | null;
  rootCause: string | null;
  proposedChanges: string | null;
}

export interface IssueFolderInfo {
  folder: string;
  issueData: { title?: string; price?: number; html_description?: string; reproSteps?: string } | null;
  testFiles: { name: string; content: string }[];
  bugPatch: string | null;
  commitId: string | null;
  gitTag: string | null;
  hasFlowMitm: boolean;
  flowMitmBytes: number | null;
}

export interface TaskDetail extends Omit<TaskRow, 'searchText'> {
  versionId: number;
  description: string;
  priceLimit: number | null;
  cwd: string | null;
  managerCommit: string | null;
  acceptableFolders: string[];
  /** Manager tasks: the proposals in id order, and the hired one (the answer key). */
  proposals: Proposal[];
  correctProposalId: number | null;
  /** The old schema's ready-made prompt messages, when the CSV had them. */
  prompt: { role: string; content: string }[] | null;
  extra: Record<string, string>;
  issue: IssueFolderInfo | null;
}

export interface ImportReport {
  datasetId: string;
  versionId: number;
  version: number;
  /** False when the same content was already imported: nothing changed. */
  created: boolean;
  contentHash: string;
  schema: 'current' | 'legacy';
  taskCount: number;
  totalDollars: number;
  skipped: { row: number; questionId: string | null; column: string | null; message: string }[];
  issuesLinked: number;
  durationMs: number;
}

export interface ImportProgress {
  importId: string;
  phase: 'read' | 'parse' | 'validate' | 'issues' | 'store' | 'done';
  done: number;
  total: number;
}

export interface TaskSet {
  name: string;
  taskIds: string[];
  createdAt: string;
  updatedAt: string;
}

export const importInputSchema = z
  .object({
    /** A CSV path on the machine running the core (in serve mode: the server). */
    path: z.string().min(1),
    issuesDir: z.string().min(1).optional(),
    name: z.string().min(1).max(100).optional(),
    skipBadRows: z.boolean().optional(),
    /** Chosen by the UI so it can match progress events to this import. */
    importId: z.string().max(100).optional(),
  })
  .strict();

export const taskQuerySchema = z
  .object({
    datasetId: z.string().optional(),
    variant: z.enum(variants).optional(),
    minPrice: z.number().optional(),
    maxPrice: z.number().optional(),
    search: z.string().optional(),
    set: z.string().optional(),
    limit: z.number().int().positive().optional(),
  })
  .strict();

export type TaskQuery = z.infer<typeof taskQuerySchema>;

export const taskSetNameSchema = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[\w .-]+$/, 'use letters, digits, spaces, dot, dash or underscore');
