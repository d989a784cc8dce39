/**
 * The attempt's timeline of an agent's attempt: three lanes on one wall clock (the agent's
 * steps, its runs of the user tool, the grading runs). A step's mark goes to its moment; a run's
 * bar opens its recording.
 */
import { memo, type ReactElement } from 'react';
import type { AgentStepRecord } from '../../../../shared/agents';
import { kindLabel } from '../agent/transcript-state';
import { percentAt, sameSource, type AgentTimeline, type SourceKey, type Span } from './agent-timeline';
import { formatClock, formatDurationMs } from './timeline';

export interface AgentTimelineViewProps {
  timeline: AgentTimeline;
  selectedStep: number | null;
  source: SourceKey | null;
  onStep: (step: AgentStepRecord) => void;
  onSource: (key: SourceKey) => void;
}

/** Seconds since the timeline's start, as the clock shows them. */
function at(timeline: AgentTimeline, wallMs: number): string {
  return formatClock((wallMs - timeline.startMs) / 1000);
}

export const AgentTimelineView = memo(function AgentTimelineView({ timeline, selectedStep, source, onStep, onSource }: AgentTimelineViewProps): ReactElement {
  const length = timeline.endMs - timeline.startMs;
  const span = (s: Span, label: string, testId: string): ReactElement => {
    const left = percentAt(timeline, s.startMs);
    const width = Math.max(0.6, percentAt(timeline, s.endMs) - left);
    const tone = s.key.kind === 'grading' ? (s.exitCode === 0 ? ' ok' : s.exitCode === null ? '' : ' bad') : '';
    return (
      <button
        key={`${s.key.kind}-${s.key.run}`}
        type="button"
        className={`at-span${tone}${sameSource(source, s.key) ? ' selected' : ''}`}
        style={{ left: `${left}%`, width: `${width}%` }}
        data-testid={testId}
        data-run={s.key.run}
        aria-pressed={sameSource(source, s.key)}
        aria-label={`${label} at ${at(timeline, s.startMs)} (${formatDurationMs(s.endMs - s.startMs)})`}
        title={`${label}: ${at(timeline, s.startMs)} for ${formatDurationMs(s.endMs - s.startMs)}${s.hasVideo ? '' : ' (no video)'}`}
        onClick={() => onSource(s.key)}
      >
        <span className="at-span-label">{label}</span>
      </button>
    );
  };
  return (
    <section className="lr-panel at" aria-label="Attempt timeline" data-testid="attempt-timeline">
      <div className="at-lane">
        <span className="at-lane-label">Agent steps</span>
        <div className="at-track">
          {timeline.steps.map(({ step, startMs, endMs }) => {
            const left = percentAt(timeline, startMs);
            const width = percentAt(timeline, endMs) - left;
            const name = `Step ${step.index}: ${kindLabel(step.kind)}${step.toolCall ? ` ${step.toolCall.name}` : ''}`;
            return (
              <button
                key={step.index}
                type="button"
                tabIndex={-1}
                className={`at-step kind-${step.kind}${step.index === selectedStep ? ' selected' : ''}`}
                style={{ left: `${left}%`, width: `max(3px, ${width}%)` }}
                data-testid="timeline-step"
                data-step-index={step.index}
                data-kind={step.kind}
                aria-label={`${name} at ${at(timeline, startMs)}`}
                title={`${at(timeline, startMs)}  ${name}${step.durationMs > 0 ? ` (${formatDurationMs(step.durationMs)})` : ''}`}
                onClick={() => onStep(step)}
              />
            );
          })}
        </div>
      </div>
      <div className="at-lane">
        <span className="at-lane-label">User tool</span>
        <div className="at-track">
          {timeline.userTools.length === 0 && <span className="at-none muted">not run</span>}
          {timeline.userTools.map((s) => span(s, `User tool ${s.key.run}`, 'timeline-user-tool'))}
        </div>
      </div>
      <div className="at-lane">
        <span className="at-lane-label">Grading</span>
        <div className="at-track">
          {timeline.grading.length === 0 && <span className="at-none muted">no grading run kept</span>}
          {timeline.grading.map((s) => span(s, `Grading ${s.key.run}`, 'timeline-grading'))}
        </div>
      </div>
      <div className="at-ticks" aria-hidden="true">
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <span key={f} style={{ left: `${f * 100}%` }}>
            {formatClock((f * length) / 1000)}
          </span>
        ))}
      </div>
    </section>
  );
});
