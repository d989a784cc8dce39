/**
 * An agent's transcript: every step with its kind, the model's message, the tool call, the
 * observation (long ones folded), exit code, duration, tokens and cost; a search box that
 * filters the steps; and only the rows in view rendered, so a transcript of hundreds of steps
 * scrolls as smoothly as a short one.
 *
 * Rows differ in height (a message, a long output unfolded), so each rendered row is measured
 * and the rest count at an estimate; two spacers keep the scrollbar true.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactElement } from 'react';
import type { AgentStepRecord } from '../../../../shared/agents';
import { artifactUrl } from '../../api';
import { formatBytes, formatCount } from '../../format';
import { HeightCache } from './height-cache';
import {
  argumentsText,
  filterSteps,
  foldText,
  formatOffset,
  formatStepDuration,
  kindLabel,
  rowOffsets,
  windowOf,
} from './transcript-state';
import { formatUsd, stepTokens } from './usage-format';
import './agent.css';

/** A row's height before it is measured. */
const ESTIMATE = 110;
/** Pixels rendered beyond the visible part, above and below. */
const OVERSCAN = 600;
/** How long a step scrolled to is held in place while the rows around it are measured. */
const ALIGN_MS = 1500;

/** Asks the list to show one step (the replay's "scroll the transcript to it"); a new object each time. */
export interface ScrollRequest {
  index: number;
}

export interface TranscriptViewProps {
  steps: readonly AgentStepRecord[];
  /** The attempt may still add steps: the list follows its end while the reader is there. */
  live: boolean;
  loading?: boolean;
  error?: string | null;
  /** Epoch ms the step times count from (the first step's time when absent). */
  originMs?: number | null;
  selectedIndex?: number | null;
  /** Clicking a step's head (the replay jumps to its moment). */
  onSelect?: (step: AgentStepRecord) => void;
  scrollRequest?: ScrollRequest | null;
}

export function TranscriptView(props: TranscriptViewProps): ReactElement {
  const { steps, live, loading = false, error = null, selectedIndex = null, onSelect, scrollRequest = null } = props;
  const [query, setQuery] = useState('');
  // A request for a step the search hides clears the search, so the step can be shown.
  const [seenRequest, setSeenRequest] = useState<ScrollRequest | null>(scrollRequest);
  if (scrollRequest !== seenRequest) {
    setSeenRequest(scrollRequest);
    if (scrollRequest && query !== '' && !filterSteps(steps, query).some((s) => s.index === scrollRequest.index)) setQuery('');
  }
  const shown = useMemo(() => filterSteps(steps, query), [steps, query]);
  const origin = props.originMs ?? (steps[0] ? Date.parse(steps[0].at) : null);

  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback((key: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  const [heights] = useState(() => new HeightCache());
  useSyncExternalStore(heights.subscribe, heights.getVersion);
  const [observer] = useState(
    () =>
      new ResizeObserver((entries) => {
        for (const entry of entries) {
          const el = entry.target as HTMLElement;
          const key = Number(el.dataset.stepIndex);
          if (Number.isFinite(key)) heights.set(key, entry.borderBoxSize[0]?.blockSize ?? el.offsetHeight);
        }
      }),
  );
  useEffect(() => () => observer.disconnect(), [observer]);
  const measure = useCallback(
    (el: HTMLLIElement | null) => {
      if (!el) return undefined;
      observer.observe(el);
      return () => observer.unobserve(el);
    },
    [observer],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, viewport: 600 });
  const stick = useRef(true);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const resize = new ResizeObserver(() => setScroll((s) => (s.viewport === el.clientHeight ? s : { ...s, viewport: el.clientHeight })));
    resize.observe(el);
    return () => resize.disconnect();
  }, []);

  const keys = useMemo(() => shown.map((s) => s.index), [shown]);
  const offsets = rowOffsets(keys, heights.map, ESTIMATE);
  const total = offsets[offsets.length - 1] ?? 0;
  const { first, end } = windowOf(offsets, scroll.top, scroll.viewport, OVERSCAN);
  const slice = shown.slice(first, end);

  // Follow the end while the attempt streams and the reader is at the end.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && live && stick.current && query === '') el.scrollTop = el.scrollHeight;
  }, [steps, live, query, total]);

  // A requested step: scroll it to the top, and keep it there for a moment while the rows
  // around it are measured (estimates above it turn into real heights), unless the reader
  // takes over the scrolling first.
  const pending = useRef<{ index: number; until: number } | null>(null);
  useLayoutEffect(() => {
    if (scrollRequest) {
      pending.current = { index: scrollRequest.index, until: performance.now() + ALIGN_MS };
      stick.current = false;
    }
  }, [scrollRequest]);
  useLayoutEffect(() => {
    const p = pending.current;
    const el = scroller.current;
    if (!p || !el) return;
    const pos = keys.indexOf(p.index);
    if (pos === -1 || performance.now() > p.until) {
      pending.current = null;
      return;
    }
    const target = Math.max(0, (offsets[pos] ?? 0) - 4);
    if (Math.abs(el.scrollTop - target) > 1) el.scrollTop = target;
  });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const takeOver = (): void => {
      pending.current = null;
    };
    const events = ['wheel', 'touchstart', 'pointerdown', 'keydown'] as const;
    for (const name of events) el.addEventListener(name, takeOver, { passive: true });
    return () => {
      for (const name of events) el.removeEventListener(name, takeOver);
    };
  }, []);

  return (
    <div className="transcript" data-testid="transcript">
      <div className="tr-toolbar">
        <input
          type="search"
          className="tr-search"
          aria-label="Search steps"
          placeholder="Search steps (message, command, output)…"
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
        />
        <span className="muted tr-count" role="status" data-testid="transcript-count">
          {query === '' ? `${steps.length} ${steps.length === 1 ? 'step' : 'steps'}` : `${shown.length} of ${steps.length} steps`}
          {live && ' · streaming'}
        </span>
        {live && <span className="live-dot" aria-hidden="true" />}
      </div>
      {error && <p className="error">Could not load the transcript: {error}</p>}
      <div
        className="tr-scroll"
        ref={scroller}
        tabIndex={0}
        role="region"
        aria-label="Transcript steps"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 32;
          setScroll((s) => (s.top === el.scrollTop ? s : { ...s, top: el.scrollTop }));
        }}
      >
        {loading && steps.length === 0 && <p className="muted tr-empty">Loading…</p>}
        {!loading && steps.length === 0 && <p className="muted tr-empty">{live ? 'No step yet: the agent is starting.' : 'No steps were recorded.'}</p>}
        {steps.length > 0 && shown.length === 0 && <p className="muted tr-empty">No step matches “{query}”.</p>}
        <ol className="tr-list" aria-label="Transcript">
          {first > 0 && <li className="tr-spacer" aria-hidden="true" style={{ height: offsets[first] }} />}
          {slice.map((step) => (
            <StepRow
              key={step.index}
              step={step}
              origin={origin}
              selected={step.index === selectedIndex}
              expanded={expanded}
              onToggle={toggle}
              onSelect={onSelect}
              measure={measure}
            />
          ))}
          {end < shown.length && <li className="tr-spacer" aria-hidden="true" style={{ height: total - (offsets[end] ?? total) }} />}
        </ol>
      </div>
    </div>
  );
}

interface StepRowProps {
  step: AgentStepRecord;
  origin: number | null;
  selected: boolean;
  expanded: ReadonlySet<string>;
  onToggle: (key: string) => void;
  onSelect: ((step: AgentStepRecord) => void) | undefined;
  measure: (el: HTMLLIElement | null) => (() => void) | undefined;
}

const StepRow = memo(function StepRow({ step, origin, selected, expanded, onToggle, onSelect, measure }: StepRowProps): ReactElement {
  const at = Date.parse(step.at);
  const tokens = stepTokens(step);
  const call = step.toolCall;
  const args = call ? argumentsText(call.arguments) : '';
  const name = `Step ${step.index}: ${kindLabel(step.kind)}${call ? ` ${call.name}` : ''}`;
  const head = (
    <>
      <span className="tr-index">#{step.index}</span>
      <span className={`tr-kind kind-${step.kind}`}>{kindLabel(step.kind)}</span>
      {call && <code className="tr-tool">{call.name}</code>}
      {step.fallback && (
        <span className="tr-badge fallback" title="The model did not follow the protocol; the workbench read its reply another way">
          fallback
        </span>
      )}
      {step.exitCode !== null && (
        <span className={`tr-badge ${step.exitCode === 0 ? 'exit-ok' : 'exit-bad'}`} data-testid="step-exit">
          exit {step.exitCode}
        </span>
      )}
      <span className="tr-meta">
        {origin !== null && Number.isFinite(at) && <span title={step.at}>{formatOffset(at - origin)}</span>}
        {step.durationMs > 0 && <span>{formatStepDuration(step.durationMs)}</span>}
        {tokens && <span data-testid="step-tokens">{tokens}</span>}
        {step.costUsd !== null && step.costUsd > 0 && <span data-testid="step-cost">{formatUsd(step.costUsd)}</span>}
      </span>
    </>
  );
  return (
    <li
      ref={measure}
      className={`tr-step kind-${step.kind}${selected ? ' selected' : ''}`}
      data-step-index={step.index}
      data-kind={step.kind}
      data-testid="transcript-step"
      aria-label={name}
      aria-current={selected ? 'step' : undefined}
    >
      <div className="tr-card">
        {onSelect ? (
          <button type="button" className="tr-head" onClick={() => onSelect(step)} title="Go to this step's moment">
            {head}
          </button>
        ) : (
          <div className="tr-head">{head}</div>
        )}
        {step.message && <Folding id={`${step.index}:message`} className="tr-message" text={step.message} label="message" expanded={expanded} onToggle={onToggle} />}
        {call && step.kind === 'model' && args !== '' && (
          <Folding id={`${step.index}:args`} className="tr-args" text={args} label="arguments" expanded={expanded} onToggle={onToggle} />
        )}
        {call && step.kind !== 'model' && args !== '' && (
          <details className="tr-call-details">
            <summary>arguments</summary>
            <pre className="tr-args">{args}</pre>
          </details>
        )}
        {step.observation !== null && (
          <Folding id={`${step.index}:observation`} className="tr-observation" text={step.observation} label="output" expanded={expanded} onToggle={onToggle} />
        )}
        {step.observationSha256 && (
          <p className="tr-stored" data-testid="step-stored-output">
            Only the start of this output is kept with the step; the whole output
            {step.observationBytes !== null ? ` (${formatBytes(step.observationBytes)})` : ''} is in the attempt&apos;s artifacts.{' '}
            <a href={artifactUrl(step.observationSha256)} target="_blank" rel="noopener noreferrer">
              Open the whole output
            </a>
          </p>
        )}
        {step.note && <p className="tr-note">{step.note}</p>}
      </div>
    </li>
  );
});

/** A text shown whole when short, else its start with a button that unfolds the rest. */
function Folding(props: { id: string; className: string; text: string; label: string; expanded: ReadonlySet<string>; onToggle: (key: string) => void }): ReactElement {
  const { id, className, text, label, expanded, onToggle } = props;
  const fold = foldText(text);
  const open = expanded.has(id);
  return (
    <div className={`tr-fold ${className}`}>
      <pre>{open || !fold.folded ? text : `${fold.head}…`}</pre>
      {fold.folded && (
        <button type="button" className="tr-unfold link-button" aria-expanded={open} onClick={() => onToggle(id)}>
          {open ? `Fold the ${label}` : `Show the whole ${label} (${fold.lines > 1 ? `${formatCount(fold.lines)} lines` : `${formatCount(text.length)} characters`})`}
        </button>
      )}
    </div>
  );
}
