import { EngineLock } from '../state/engine-lock';
import {
  TOPICS,
  evaluationsTakingAll,
  layout,
  metrics,
  newCore,
  reporter,
  scorerOn,
  snapshot,
} from '../testing/engine-fixtures';
import { ApplySnapshotUseCase } from './apply-snapshot.use-case';

function setup() {
  const core = newCore();
  const evaluations = evaluationsTakingAll();
  const rep = reporter();
  const m = metrics();
  const useCase = new ApplySnapshotUseCase(
    m,
    core,
    new EngineLock(),
    layout(),
    scorerOn(core),
    evaluations.repo,
    rep.committed,
  );
  return { core, evaluations, rep, m, useCase };
}

describe('ApplySnapshotUseCase', () => {
  it('commits the snapshot with its evaluation, then installs the new state', async () => {
    const { core, evaluations, rep, useCase } = setup();
    await useCase.execute(snapshot('pf-1'), TOPICS.positions, 2);

    expect(evaluations.commit).toHaveBeenCalledTimes(1);
    const [outcomes, engineState, record] = evaluations.commit.mock.calls[0] as unknown as [
      { source: unknown; evaluation: { portfolioId: string } }[],
      unknown,
      { sourceTopic: string; sourceId: string; sourcePartition: number; cash: number },
    ];
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].source).toEqual({
      topic: TOPICS.positions,
      eventId: 's1',
      scope: 'pf-1:evaluation',
    });
    expect(engineState).toBeUndefined();
    expect(record).toMatchObject({
      sourceTopic: TOPICS.positions,
      sourceId: 's1',
      sourcePartition: 2,
      cash: 50_000,
    });
    expect(core.portfolios.get('pf-1')?.snapshot.cash).toBe(50_000);
    // The partition it arrived on, whatever the producer's partitioner: it decides the owner.
    expect(core.portfolios.get('pf-1')?.snapshot.sourcePartition).toBe(2);
    expect(core.holdersOf(['AAPL'])).toEqual(['pf-1']);
    expect(rep.report).toHaveBeenCalledWith(outcomes, 'positions', expect.any(Number));
  });

  it('changes nothing for a snapshot already applied (a redelivery)', async () => {
    const { core, evaluations, rep, m, useCase } = setup();
    evaluations.commit.mockResolvedValueOnce({ committed: [], snapshotApplied: false });
    await useCase.execute(snapshot('pf-1'), TOPICS.positions, 2);

    expect(core.portfolios.has('pf-1')).toBe(false);
    expect(rep.report).not.toHaveBeenCalled();
    const counted = await m.messages.get();
    expect(counted.values).toContainEqual(
      expect.objectContaining({ labels: { kind: 'positions', outcome: 'duplicate' }, value: 1 }),
    );
  });

  it('installs nothing when the commit fails', async () => {
    const { core, evaluations, useCase } = setup();
    evaluations.commit.mockRejectedValueOnce(new Error('connection lost'));
    await expect(useCase.execute(snapshot('pf-1'), TOPICS.positions, 2)).rejects.toThrow(
      'connection lost',
    );
    expect(core.portfolios.has('pf-1')).toBe(false);
  });
});
