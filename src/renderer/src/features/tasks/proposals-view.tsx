/**
 * A manager task's proposals side by side.
 *
 * Proposals are columns of one grid whose rows are their sections (restated problem, root
 * cause, proposed changes), so the same section lines up across columns and one vertical
 * scroll moves them all together. Two to five columns show at once, with paging when there are
 * more; any column folds to a narrow strip. In blind mode the hired proposal is rendered exactly
 * like the others: no badge, no class, no attribute, no option label.
 */
import { useMemo, useState, type CSSProperties, type ReactElement } from 'react';
import type { Proposal } from '../../../../shared/tasks';
import { useBlindMode } from './blind-mode';
import { MarkdownView } from './markdown-view';
import { lineDiff } from './line-diff';

const sectionRows = [
  { key: 'restatedProblem', label: 'Restated problem' },
  { key: 'rootCause', label: 'Root cause' },
  { key: 'proposedChanges', label: 'Proposed changes' },
] as const;

function hasSections(p: Proposal): boolean {
  return p.restatedProblem !== null || p.rootCause !== null || p.proposedChanges !== null;
}

/** The text compared in the diff view: the formal proposal as the model is shown it. */
function proposalText(p: Proposal): string {
  return p.content.replace(/\r\n/g, '\n');
}

function proposalLabel(p: Proposal): string {
  return `#${p.id}${p.author ? ` · ${p.author}` : ''}`;
}

export function BlindToggle(): ReactElement {
  const blind = useBlindMode((s) => s.blind);
  const setBlind = useBlindMode((s) => s.setBlind);
  return (
    <label className="toggle" title="Hide the answer key while you review the proposals">
      <input type="checkbox" checked={blind} onChange={(e) => setBlind(e.target.checked)} />
      <span>Blind review</span>
    </label>
  );
}

export function ProposalsView({
  proposals,
  correctProposalId,
}: {
  proposals: Proposal[];
  correctProposalId: number | null;
}): ReactElement {
  const blind = useBlindMode((s) => s.blind);
  const [perPage, setPerPage] = useState(() => Math.min(3, Math.max(2, proposals.length)));
  const [start, setStart] = useState(0);
  const [folded, setFolded] = useState<ReadonlySet<number>>(new Set());
  const [mode, setMode] = useState<'columns' | 'diff'>('columns');
  const [pair, setPair] = useState<[number, number]>([proposals[0]?.id ?? 0, proposals[1]?.id ?? proposals[0]?.id ?? 0]);

  const hired = blind ? null : correctProposalId;
  const maxStart = Math.max(0, proposals.length - perPage);
  const first = Math.min(start, maxStart);
  const shown = proposals.slice(first, first + perPage);

  const toggleFold = (id: number): void => {
    const next = new Set(folded);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setFolded(next);
  };

  if (proposals.length === 0) return <p className="muted">This task has no proposals.</p>;

  const gridStyle: CSSProperties = {
    gridTemplateColumns: shown.map((p) => (folded.has(p.id) ? '40px' : 'minmax(200px, 1fr)')).join(' '),
  };

  return (
    <div className="proposals">
      <div className="proposals-toolbar">
        <BlindToggle />
        {hired !== null && (
          <span className="hired-badge" data-testid="hired-summary">
            Hired: #{hired}
          </span>
        )}
        <div className="segmented" role="group" aria-label="Mode">
          <button type="button" aria-pressed={mode === 'columns'} onClick={() => setMode('columns')}>
            Side by side
          </button>
          <button type="button" aria-pressed={mode === 'diff'} onClick={() => setMode('diff')} disabled={proposals.length < 2}>
            Compare two
          </button>
        </div>
        {mode === 'columns' ? (
          <>
            <label className="inline-field">
              <span>Columns</span>
              <select value={perPage} onChange={(e) => setPerPage(Number(e.target.value))} aria-label="Columns shown">
                {[2, 3, 4, 5].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <div className="pager">
              <button type="button" onClick={() => setStart(Math.max(0, first - perPage))} disabled={first === 0} aria-label="Previous proposals">
                ‹
              </button>
              <span className="muted" data-testid="proposal-range">
                {first + 1}–{first + shown.length} of {proposals.length}
              </span>
              <button
                type="button"
                onClick={() => setStart(Math.min(maxStart, first + perPage))}
                disabled={first >= maxStart}
                aria-label="Next proposals"
              >
                ›
              </button>
            </div>
          </>
        ) : (
          <div className="pair-pickers">
            <select aria-label="First proposal" value={pair[0]} onChange={(e) => setPair([Number(e.target.value), pair[1]])}>
              {proposals.map((p) => (
                <option key={p.id} value={p.id}>
                  {proposalLabel(p)}
                </option>
              ))}
            </select>
            <span className="muted">vs</span>
            <select aria-label="Second proposal" value={pair[1]} onChange={(e) => setPair([pair[0], Number(e.target.value)])}>
              {proposals.map((p) => (
                <option key={p.id} value={p.id}>
                  {proposalLabel(p)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      {mode === 'diff' ? (
        <ProposalDiff
          a={proposals.find((p) => p.id === pair[0]) ?? proposals[0]}
          b={proposals.find((p) => p.id === pair[1]) ?? proposals[0]}
        />
      ) : (
        <div className="proposals-scroll" data-testid="proposals-grid">
          <div className="proposals-grid" style={gridStyle}>
            {shown.map((p, col) => {
              const isFolded = folded.has(p.id);
              return (
                <header
                  key={`h${p.id}`}
                  className={`proposal-head${isFolded ? ' folded' : ''}${hired === p.id ? ' hired' : ''}`}
                  style={{ gridColumn: col + 1, gridRow: 1 }}
                  data-testid="proposal-column"
                >
                  <button
                    type="button"
                    className="fold-button"
                    onClick={() => toggleFold(p.id)}
                    aria-expanded={!isFolded}
                    aria-label={`${isFolded ? 'Expand' : 'Collapse'} proposal ${p.id}`}
                    title={isFolded ? 'Expand' : 'Collapse'}
                  >
                    {isFolded ? '›' : '‹'}
                  </button>
                  <div className="proposal-title">
                    <strong>Proposal #{p.id}</strong>
                    {hired === p.id && (
                      <span className="hired-badge" data-testid="hired-mark">
                        Hired
                      </span>
                    )}
                  </div>
                  {!isFolded && (
                    <div className="proposal-meta">
                      <span>{p.author ?? <span className="muted">author unknown</span>}</span>
                      {/^https?:\/\//.test(p.sourceUrl) && (
                        <a href={p.sourceUrl} target="_blank" rel="noopener noreferrer" title={p.sourceUrl}>
                          source
                        </a>
                      )}
                    </div>
                  )}
                  {!isFolded && p.explanation && <p className="proposal-note">{p.explanation}</p>}
                </header>
              );
            })}
            {shown.map((p, col) =>
              folded.has(p.id) ? (
                <div key={`f${p.id}`} className="proposal-folded" style={{ gridColumn: col + 1, gridRow: '2 / span 3' }} aria-hidden="true" />
              ) : hasSections(p) ? (
                sectionRows.map((s, row) => (
                  <section key={`${s.key}${p.id}`} className="proposal-cell" style={{ gridColumn: col + 1, gridRow: row + 2 }}>
                    <h4>{s.label}</h4>
                    {p[s.key] ? <MarkdownView text={p[s.key] ?? ''} /> : <p className="muted">Not stated.</p>}
                  </section>
                ))
              ) : (
                <section key={`raw${p.id}`} className="proposal-cell" style={{ gridColumn: col + 1, gridRow: '2 / span 3' }}>
                  <h4>Proposal as written</h4>
                  <MarkdownView text={p.content} />
                </section>
              ),
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function ProposalDiff({ a, b }: { a: Proposal | undefined; b: Proposal | undefined }): ReactElement {
  const lines = useMemo(() => (a && b ? lineDiff(proposalText(a), proposalText(b)) : []), [a, b]);
  if (!a || !b) return <p className="muted">Pick two proposals.</p>;
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return (
    <div className="proposal-diff" data-testid="proposal-diff">
      <div className="proposal-diff-head">
        <span>
          <span className="diff-del-text">− {proposalLabel(a)}</span> <span className="muted">→</span>{' '}
          <span className="diff-add-text">+ {proposalLabel(b)}</span>
        </span>
        <span className="muted">
          {a.id === b.id ? 'same proposal' : `${added} lines added, ${removed} removed`}
        </span>
      </div>
      <div className="code-scroll">
        <table className="diff-table">
          <tbody>
            {lines.map((line, i) => (
              <tr key={i} className={`diff-${line.kind}`}>
                <td className="diff-no">{line.oldNo ?? ''}</td>
                <td className="diff-no">{line.newNo ?? ''}</td>
                <td className="diff-text">
                  {line.kind === 'add' ? '+ ' : line.kind === 'del' ? '− ' : '  '}
                  {line.text}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
