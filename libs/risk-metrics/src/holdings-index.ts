/**
 * symbol → portfolios holding it, so a tick costs work proportional to its holders only.
 * Replace a portfolio's holdings with setHoldings on each positions snapshot.
 */
export class HoldingsIndex {
  private readonly bySymbol = new Map<string, Set<string>>();
  private readonly byPortfolio = new Map<string, Set<string>>();
  private static readonly NONE: ReadonlySet<string> = new Set<string>();

  add(portfolioId: string, symbol: string): void {
    let symbols = this.byPortfolio.get(portfolioId);
    if (symbols === undefined) {
      symbols = new Set();
      this.byPortfolio.set(portfolioId, symbols);
    }
    symbols.add(symbol);
    let holders = this.bySymbol.get(symbol);
    if (holders === undefined) {
      holders = new Set();
      this.bySymbol.set(symbol, holders);
    }
    holders.add(portfolioId);
  }

  remove(portfolioId: string, symbol: string): void {
    const symbols = this.byPortfolio.get(portfolioId);
    symbols?.delete(symbol);
    if (symbols?.size === 0) this.byPortfolio.delete(portfolioId);
    const holders = this.bySymbol.get(symbol);
    holders?.delete(portfolioId);
    if (holders?.size === 0) this.bySymbol.delete(symbol);
  }

  /** Replaces the portfolio's holdings (a positions snapshot replaces the previous one). */
  setHoldings(portfolioId: string, symbols: Iterable<string>): void {
    const next = new Set(symbols);
    for (const symbol of [...(this.byPortfolio.get(portfolioId) ?? [])]) {
      if (!next.has(symbol)) this.remove(portfolioId, symbol);
    }
    for (const symbol of next) this.add(portfolioId, symbol);
  }

  removePortfolio(portfolioId: string): void {
    this.setHoldings(portfolioId, []);
  }

  portfoliosHolding(symbol: string): ReadonlySet<string> {
    return this.bySymbol.get(symbol) ?? HoldingsIndex.NONE;
  }

  isHeld(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  /** Symbols some portfolio holds. */
  heldCount(): number {
    return this.bySymbol.size;
  }

  symbolsOf(portfolioId: string): ReadonlySet<string> {
    return this.byPortfolio.get(portfolioId) ?? HoldingsIndex.NONE;
  }
}
