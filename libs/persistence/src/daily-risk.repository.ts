import type { DataSource } from 'typeorm';
import type { DailyPosition, DailyRiskRecord } from '@risk/backtest';

interface DailyRiskRow {
  day: string;
  nav: number;
  var99: number;
  es99: number;
  positions: DailyPosition[];
}

/** Reads the daily risk records the risk store writes with each evaluation. */
export class DailyRiskRepository {
  constructor(private readonly ds: DataSource) {}

  /** The portfolio's last `count` daily records, oldest first. */
  async lastRecords(portfolioId: string, count: number): Promise<DailyRiskRecord[]> {
    const rows: DailyRiskRow[] = await this.ds.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, nav, var99, es99, positions
         FROM daily_risk WHERE portfolio_id = $1 ORDER BY day DESC LIMIT $2`,
      [portfolioId, count],
    );
    return rows.reverse().map((r) => ({
      date: r.day,
      nav: r.nav,
      var99: r.var99,
      es99: r.es99,
      positions: r.positions,
    }));
  }

  /** Every portfolio's last `count` records (the report and the dashboard's overview). */
  async lastRecordsByPortfolio(count: number): Promise<Map<string, DailyRiskRecord[]>> {
    const rows: (DailyRiskRow & { portfolio_id: string })[] = await this.ds.query(
      `SELECT portfolio_id, day, nav, var99, es99, positions FROM (
         SELECT portfolio_id, to_char(day, 'YYYY-MM-DD') AS day, nav, var99, es99, positions,
                row_number() OVER (PARTITION BY portfolio_id ORDER BY day DESC) AS rn
           FROM daily_risk) r
        WHERE rn <= $1 ORDER BY portfolio_id, day`,
      [count],
    );
    const out = new Map<string, DailyRiskRecord[]>();
    for (const r of rows) {
      const list = out.get(r.portfolio_id) ?? [];
      list.push({ date: r.day, nav: r.nav, var99: r.var99, es99: r.es99, positions: r.positions });
      out.set(r.portfolio_id, list);
    }
    return out;
  }
}
