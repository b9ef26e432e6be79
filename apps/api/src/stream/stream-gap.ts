import { formatPosition, type StreamPosition } from '@risk/alerting';
import { comparePositions } from '@risk/persistence';

/** Rows after `position` up to `horizon` may have been deleted by retention. */
export function behindHorizon(position: StreamPosition, horizon: StreamPosition | null): boolean {
  return horizon !== null && comparePositions(position, horizon) < 0;
}

/**
 * Where a reader stands after a read: a complete read (fewer rows than asked) covered every row
 * of its portfolios up to `head`, so it may skip the other portfolios' rows up to there.
 */
export function advancedPosition(
  position: StreamPosition,
  head: StreamPosition | null,
  complete: boolean,
): StreamPosition {
  return complete && head !== null && comparePositions(head, position) > 0 ? head : position;
}

/** The body of the `gap` event (docs/api.md § Live stream). */
export interface StreamGap {
  reason: 'retention';
  /** The position the client asked to resume from. */
  lastEventId: string;
  /** The stream goes on right after this position (also the event's id). */
  resumeAfter: string;
  /** RETENTION_STREAM_EVENTS_HOURS of the server. */
  retentionHours: number;
  message: string;
}

/**
 * A `gap` event: events after `from` up to `horizon` are past the stream's retention and may be
 * gone; its id is the horizon, so a client that reconnects after it does not get it again.
 */
export function gapEvent(
  from: StreamPosition,
  horizon: StreamPosition,
  retentionHours: number,
): string {
  const gap: StreamGap = {
    reason: 'retention',
    lastEventId: formatPosition(from),
    resumeAfter: formatPosition(horizon),
    retentionHours,
    message:
      'Events after lastEventId up to resumeAfter are older than the stream keeps and may have been ' +
      'deleted; the stream continues after resumeAfter. Evaluations and alerts themselves are kept: ' +
      'read GET /api/v1/alerts and /api/v1/portfolios/{id}/evaluations to fill the gap.',
  };
  return `id: ${formatPosition(horizon)}\nevent: gap\ndata: ${JSON.stringify(gap)}\n\n`;
}
