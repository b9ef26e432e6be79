/**
 * The records the simulator writes and the replay produces: one Kafka message each, with the
 * value typed by the public contract's own message types.
 */
import { INPUT_TOPICS, type NewsEvent, type PositionsSnapshot, type Tick } from '@risk/contracts';

export type Topic = (typeof INPUT_TOPICS)[keyof typeof INPUT_TOPICS];

export type StreamRecord =
  | { topic: typeof INPUT_TOPICS.ticks; key: string; value: Tick }
  | { topic: typeof INPUT_TOPICS.news; key: string; value: NewsEvent }
  | { topic: typeof INPUT_TOPICS.positions; key: string; value: PositionsSnapshot };

/** The true jump behind a news event, written to the labels side file for model training. */
export interface JumpLabel {
  newsId: string;
  ts: string;
  kind: string;
  sentiment: 'positive' | 'negative' | 'neutral';
  symbols: string[];
  jumps: Array<{
    symbol: string;
    /** Log-return added to the price path, on top of the diffusion. */
    logReturn: number;
    /** When the jump enters the path: the first tick of the symbol at or after it carries it. */
    effectiveTs: string;
    tickId: string;
    tickTs: string;
  }>;
}
