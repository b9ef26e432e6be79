import { BudgetAdmission } from './budget-admission';

describe('BudgetAdmission', () => {
  it('admits every call until one was measured', () => {
    const a = new BudgetAdmission();
    expect(a.estimate('news')).toBeUndefined();
    expect(a.admit('news', 1, 0)).toBe('run');
  });

  it('refuses a call its class would not finish in the time left, per class', () => {
    const a = new BudgetAdmission(10_000, 0.5);
    a.finished('news', 400, 0);
    expect(a.admit('news', 300, 100)).toBe('refuse');
    expect(a.admit('news', 450, 100)).toBe('run');
    expect(a.admit('move', 10, 100)).toBe('run');
    // EWMA: 400 + 0.5 × (100 − 400) = 250.
    a.finished('news', 100, 200);
    expect(a.estimate('news')).toBe(250);
    expect(a.admit('news', 300, 300)).toBe('run');
  });

  it('a call dropped at its deadline never lowers the estimate', () => {
    const a = new BudgetAdmission();
    a.cut('news', 300, 0);
    expect(a.estimate('news')).toBe(300);
    a.cut('news', 200, 10);
    expect(a.estimate('news')).toBe(300);
    expect(a.admit('news', 250, 20)).toBe('refuse');
  });

  it('asks for a probe once every probe interval while refusing, to measure again', () => {
    const a = new BudgetAdmission(10_000);
    a.finished('news', 1000, 0);
    expect(a.admit('news', 300, 5_000)).toBe('refuse');
    expect(a.admit('news', 300, 10_000)).toBe('probe');
    expect(a.admit('news', 300, 10_001)).toBe('refuse');
    expect(a.admit('news', 300, 20_000)).toBe('probe');
    // A probe that finished fast reopens the class.
    a.finished('news', 100, 20_100);
    expect(a.admit('news', 1000, 20_200)).toBe('run');
  });
});
