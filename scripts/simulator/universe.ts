/** The simulated instruments and portfolios: fictional companies with realistic price levels. */

export type Sector = 'TECH' | 'FIN' | 'HEALTH' | 'ENERGY' | 'CONSUMER';

export interface InstrumentSpec {
  symbol: string;
  name: string;
  sector: Sector;
  startPrice: number;
  /** Loading on the common market factor. */
  beta: number;
  /** Annualized volatility of the idiosyncratic part (the market factor adds its own). */
  idioVol: number;
  /** Mean shares per tick, before the news-driven spikes. */
  meanVolume: number;
}

// A table reads better than prettier's one-field-a-line layout.
// prettier-ignore
export const INSTRUMENTS: readonly InstrumentSpec[] = [
  { symbol: 'ACME', name: 'Acme Systems', sector: 'TECH', startPrice: 182.4, beta: 1.2, idioVol: 0.24, meanVolume: 1800 },
  { symbol: 'NOVA', name: 'Nova Semiconductor', sector: 'TECH', startPrice: 96.15, beta: 1.5, idioVol: 0.34, meanVolume: 2400 },
  { symbol: 'QBIT', name: 'Qubit Cloud', sector: 'TECH', startPrice: 41.8, beta: 1.6, idioVol: 0.45, meanVolume: 3100 },
  { symbol: 'BKCO', name: 'Bancorp Holdings', sector: 'FIN', startPrice: 58.2, beta: 1.1, idioVol: 0.18, meanVolume: 2200 },
  { symbol: 'FINX', name: 'Finexa Payments', sector: 'FIN', startPrice: 212.75, beta: 1.3, idioVol: 0.26, meanVolume: 900 },
  { symbol: 'GRP.B', name: 'Gruppo Holdings Class B', sector: 'FIN', startPrice: 412.3, beta: 0.8, idioVol: 0.14, meanVolume: 400 },
  { symbol: 'MEDI', name: 'Medivant Pharma', sector: 'HEALTH', startPrice: 121.6, beta: 0.7, idioVol: 0.22, meanVolume: 1300 },
  { symbol: 'GENE', name: 'Genexis Bio', sector: 'HEALTH', startPrice: 18.45, beta: 1.4, idioVol: 0.6, meanVolume: 5200 },
  { symbol: 'PETR', name: 'Petrolux Energy', sector: 'ENERGY', startPrice: 66.9, beta: 0.9, idioVol: 0.25, meanVolume: 2000 },
  { symbol: 'SOLR', name: 'Solaria Power', sector: 'ENERGY', startPrice: 27.35, beta: 1.3, idioVol: 0.42, meanVolume: 3600 },
  { symbol: 'SHOP', name: 'Shopwell Retail', sector: 'CONSUMER', startPrice: 143.2, beta: 0.9, idioVol: 0.2, meanVolume: 1100 },
  { symbol: 'AUTO', name: 'Autova Motors', sector: 'CONSUMER', startPrice: 248.1, beta: 1.4, idioVol: 0.38, meanVolume: 1500 },
];

export interface PortfolioLimits {
  maxWeight: number;
  var99: number;
  maxDrawdown?: number;
}

export interface PortfolioSpec {
  portfolioId: string;
  /** Net asset value the target weights are sized against, at start prices. */
  nav: number;
  /** Target weight of NAV per symbol; negative is short. Cash is what remains. */
  weights: Readonly<Record<string, number>>;
  limits: PortfolioLimits;
  /** Snapshots after the opening one. */
  rebalances: number;
}

/**
 * Chosen to exercise the risk rules: two breach the 25% weight limit at once, one is
 * long/short with gross above NAV, one has a var99 limit far below its real VaR.
 */
export const PORTFOLIOS: readonly PortfolioSpec[] = [
  {
    portfolioId: 'pf-alpha',
    nav: 1_000_000,
    weights: {
      ACME: 0.12,
      NOVA: 0.08,
      BKCO: 0.1,
      FINX: 0.08,
      MEDI: 0.1,
      PETR: 0.08,
      SHOP: 0.1,
      'GRP.B': 0.1,
      AUTO: 0.06,
    },
    limits: { maxWeight: 0.25, var99: 60_000, maxDrawdown: 0.1 },
    rebalances: 1,
  },
  {
    portfolioId: 'pf-tech-conviction',
    nav: 500_000,
    weights: { ACME: 0.42, NOVA: 0.25, QBIT: 0.15 },
    limits: { maxWeight: 0.25, var99: 50_000 },
    rebalances: 2,
  },
  {
    portfolioId: 'pf-long-short',
    nav: 2_000_000,
    weights: { NOVA: 0.3, QBIT: 0.2, FINX: 0.2, AUTO: -0.25, SHOP: -0.2, PETR: 0.15 },
    limits: { maxWeight: 0.25, var99: 150_000, maxDrawdown: 0.08 },
    rebalances: 1,
  },
  {
    portfolioId: 'pf-tight-var',
    nav: 800_000,
    weights: { BKCO: 0.2, 'GRP.B': 0.2, MEDI: 0.2, SHOP: 0.15, PETR: 0.1 },
    limits: { maxWeight: 0.25, var99: 5_000 },
    rebalances: 0,
  },
  {
    portfolioId: 'pf-biotech',
    nav: 300_000,
    weights: { GENE: 0.55, MEDI: 0.3 },
    limits: { maxWeight: 0.25, var99: 30_000, maxDrawdown: 0.05 },
    rebalances: 1,
  },
  {
    portfolioId: 'pf-energy-transition',
    nav: 750_000,
    weights: { SOLR: 0.35, PETR: -0.2, AUTO: 0.15, NOVA: 0.1 },
    limits: { maxWeight: 0.3, var99: 70_000, maxDrawdown: 0.12 },
    rebalances: 1,
  },
];
