import { describe, expect, it } from 'vitest';
import { listOperators, setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { byId, chatFor, siteWithOperators } from '../support/fixtures.js';
import { T0, testEngine } from '../support/engine.js';

const minutes = (m: number) => T0 + m * 60_000;

async function playSeedExample() {
  const { deps, clock } = testEngine();
  const { siteId, ids } = await siteWithOperators(deps, 3, { settings: { heartbeatTimeoutSeconds: 3600 } });

  clock.set(minutes(0));
  const first = (await chatFor(deps, siteId)).chat;
  clock.set(minutes(2));
  const second = (await chatFor(deps, siteId)).chat;
  clock.set(minutes(8));
  const third = (await chatFor(deps, siteId)).chat;
  clock.set(minutes(9));
  const fourth = (await chatFor(deps, siteId)).chat;

  clock.set(minutes(10));
  await upsertOperator(deps, siteId, 'op4', { name: 'Operator 4' });
  await setOperatorStatus(deps, siteId, 'op4', 'online');
  clock.set(minutes(11));
  const fifth = (await chatFor(deps, siteId)).chat;

  const operators = byId(await listOperators(deps, siteId));
  return { ids, chats: [first, second, third, fourth, fifth], operators };
}

describe('queue distribution: the seed example', () => {
  it('goes round the operators in order of their last assignment, and a newcomer gets the next chat', async () => {
    const { ids, chats, operators } = await playSeedExample();
    const [first, second, third, fourth, fifth] = chats.map((chat) => chat.operatorId);

    expect(chats.every((chat) => chat.status === 'assigned' && chat.assignedBy === 'queue')).toBe(true);
    expect(ids).toContain(first);
    expect(new Set([first, second, third])).toEqual(new Set(ids));
    expect(fourth).toBe(first);
    expect(fifth).toBe('op4');

    expect(operators.get(first!)?.assigned).toBe(2);
    expect(operators.get(first!)?.lastAssignedAt).toBe(new Date(minutes(9)).toISOString());
    expect(operators.get(second!)?.lastAssignedAt).toBe(new Date(minutes(2)).toISOString());
    expect(operators.get('op4')?.lastAssignedAt).toBe(new Date(minutes(11)).toISOString());
  });

  it('picks the first operator at random: over repeated plays each of the three starts', async () => {
    const starters = new Set<string>();
    // Each play gives a given operator the first chat with probability 1/3; 60 plays miss one with p < 1e-10.
    for (let play = 0; play < 60 && starters.size < 3; play += 1) {
      const { chats } = await playSeedExample();
      starters.add(chats[0]!.operatorId!);
    }
    expect([...starters].sort()).toEqual(['op1', 'op2', 'op3']);
  });
});
