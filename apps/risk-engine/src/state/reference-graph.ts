import { Injectable } from '@nestjs/common';
import type { ReferenceChange } from '@risk/contracts';
import { EntityLinker, KnowledgeGraph } from '@risk/knowledge-graph';

/**
 * The knowledge graph this instance holds in memory (docs/knowledge-graph.md § Wiring): loaded
 * from the tables ingest writes at boot, then kept current from both reference topics read in
 * full. Versions follow the tables' rules (`applyChange`), so the topic replaying what the
 * tables already hold changes nothing. The entity linker is rebuilt only when instruments
 * changed since it was last asked for.
 */
@Injectable()
export class ReferenceGraph {
  readonly graph = new KnowledgeGraph();
  private linkerCache: EntityLinker | null = null;
  /** Counts changes to instruments: what the linkers are built from. */
  private instrumentsVersion = 0;

  /** Applies decoded changes; returns how many changed the graph. */
  apply(changes: Iterable<ReferenceChange>): number {
    let changed = 0;
    for (const c of changes) {
      if (!this.graph.applyChange(c)) continue;
      changed++;
      if (c.kind === 'instrument') {
        this.linkerCache = null;
        this.instrumentsVersion++;
      }
    }
    return changed;
  }

  get version(): number {
    return this.instrumentsVersion;
  }

  get linker(): EntityLinker {
    this.linkerCache ??= EntityLinker.fromInstruments(this.graph.allInstruments());
    return this.linkerCache;
  }
}
