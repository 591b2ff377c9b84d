import { describe, expect, it } from 'vitest';
import { claimGuardOf, decideAssignment } from '../../lib/domain/distribution/decide.js';
import {
  ASSIGNMENT_METHODS,
  DISTRIBUTION_MODES,
  MODE_NAMES,
  modeNamed,
  type DistributionMode,
} from '../../lib/domain/distribution/index.js';
import type { ClaimGuard } from '../../lib/domain/distribution/mode.js';
import { queueMode } from '../../lib/domain/distribution/queue.js';
import { randomMode } from '../../lib/domain/distribution/random.js';
import { assignedBySchema, distributionModeSchema, methodCountsSchema } from '../../lib/domain/distribution/schemas.js';
import { settingsPatch } from '../../lib/domain/schemas.js';
import { chatStats } from '../../lib/domain/stats.js';
import type { Chat, Operator } from '../../lib/domain/model.js';
import { iso, NOW, operatorOf, settingsOf } from '../support/domain.js';
import { seededRandom } from '../support/engine.js';

/**
 * The rules every distribution mode must keep, checked on each mode of the registry: a new mode
 * is covered here by being listed, and needs only a test of its own picking and guard.
 */

/** The guard fields the store knows how to check (lib/store/dynamo/chats.ts claim). */
const GUARD_FIELDS: readonly (keyof ClaimGuard)[] = ['turn', 'activeChats'];

const operators: Operator[] = [
  operatorOf('never'),
  operatorOf('early', { lastAssignedAt: iso(NOW - 60_000), turn: 3, activeChats: 2, assigned: 3 }),
  operatorOf('late', { lastAssignedAt: iso(NOW - 10_000), turn: 4, activeChats: 0, assigned: 4 }),
  operatorOf('tie', { lastAssignedAt: iso(NOW - 60_000), turn: 3, activeChats: 1, maxChats: 5, assigned: 3 }),
  operatorOf('busy', { lastAssignedAt: iso(NOW - 30_000), turn: 5, activeChats: 7, assigned: 9 }),
];

function chatBy(assignedBy: Chat['assignedBy'], operatorId: string | null): Chat {
  return {
    id: `c-${Math.random()}`,
    siteId: 'site-1',
    visitorId: 'v',
    clientType: 'regular',
    status: operatorId ? 'assigned' : 'unassigned',
    operatorId,
    assignedBy,
    createdAt: iso(NOW),
    closedAt: null,
    group: null,
    assignedAt: null,
    acceptedAt: null,
    missedBy: [],
    contact: { name: null, email: null },
  };
}

describe('the distribution-mode registry', () => {
  it('lists modes with unique, non-empty names, labels and descriptions', () => {
    expect(DISTRIBUTION_MODES.length).toBeGreaterThan(0);
    expect(new Set(MODE_NAMES).size).toBe(DISTRIBUTION_MODES.length);
    expect(MODE_NAMES).toEqual(DISTRIBUTION_MODES.map((mode) => mode.name));
    for (const mode of DISTRIBUTION_MODES) {
      expect(mode.name).toMatch(/^[a-z][a-z-]*$/);
      expect(mode.label.trim()).not.toBe('');
      expect(mode.description.trim()).not.toBe('');
      expect(['queue-head', 'load-head', 'all-available']).toContain(mode.reads);
    }
  });

  it("gives each mode a label no other label contains, so the admin page's radio buttons are told apart by label", () => {
    for (const mode of DISTRIBUTION_MODES) {
      for (const other of DISTRIBUTION_MODES) {
        if (other !== mode) expect(other.label.toLowerCase()).not.toContain(mode.label.toLowerCase());
      }
    }
  });

  it('has no mode named like an assignment method of its own (default, visitor, returning, transfer)', () => {
    expect(new Set(ASSIGNMENT_METHODS).size).toBe(ASSIGNMENT_METHODS.length);
    expect(ASSIGNMENT_METHODS).toEqual([...MODE_NAMES, 'default', 'visitor', 'returning', 'transfer']);
  });

  it('finds every mode by name, and falls back to the first for a name it does not know', () => {
    for (const mode of DISTRIBUTION_MODES) expect(modeNamed(mode.name)).toBe(mode);
    expect(modeNamed('no-such-mode' as DistributionMode)).toBe(DISTRIBUTION_MODES[0]);
  });

  for (const mode of DISTRIBUTION_MODES) {
    describe(`mode ${mode.name}`, () => {
      it('picks one of the available operators, with or without a lost race before', () => {
        const random = seededRandom(20261124);
        for (let draw = 0; draw < 200; draw += 1) {
          const start = draw % operators.length;
          const available = [...operators.slice(start), ...operators.slice(0, start)].slice(0, 1 + (draw % operators.length));
          for (const afterConflict of [false, true]) {
            const picked = mode.pick(available, { random, afterConflict });
            expect(available).toContain(picked);
          }
        }
      });

      it('takes the only candidate, and nobody from an empty list', () => {
        for (const only of operators) {
          for (const afterConflict of [false, true]) {
            expect(mode.pick([only], { random: seededRandom(1), afterConflict })).toBe(only);
            expect(mode.pick([], { random: seededRandom(1), afterConflict })).toBeNull();
          }
        }
      });

      it('guards its claim with an object of fields the store checks, taken from the operator as read', () => {
        for (const operator of operators) {
          const guard = mode.claimGuard(operator);
          expect(typeof guard).toBe('object');
          expect(guard).not.toBeNull();
          for (const [field, value] of Object.entries(guard)) {
            expect(GUARD_FIELDS).toContain(field);
            expect(value).toBe(operator[field as keyof ClaimGuard]);
          }
        }
      });

      it('is a value of the settings enum and a key of the stats, and names the chats it assigns', () => {
        expect(distributionModeSchema.options).toContain(mode.name);
        expect(settingsPatch.parse({ distribution: mode.name })).toEqual({ distribution: mode.name });
        expect(assignedBySchema.parse(mode.name)).toBe(mode.name);

        const stats = chatStats([chatBy(mode.name, 'early')], ['early']);
        expect(stats.operators[0]!.byMethod[mode.name]).toBe(1);
        expect(methodCountsSchema.parse(stats.operators[0]!.byMethod)).toEqual(stats.operators[0]!.byMethod);

        const decision = decideAssignment({
          settings: settingsOf({ distribution: mode.name }),
          request: { visitorId: 'v', clientType: 'regular' },
          named: null,
          candidates: operators,
          nowMs: NOW,
          random: seededRandom(3),
          afterConflict: false,
        });
        expect(decision?.assignedBy).toBe(mode.name);
        expect(operators).toContain(decision?.operator);
        expect(claimGuardOf(decision!)).toEqual(mode.claimGuard(decision!.operator));
      });
    });
  }

  it('keeps the settings enum, the stats keys and the response helpers to exactly the registry', () => {
    expect(distributionModeSchema.options).toEqual([...MODE_NAMES]);
    expect(settingsPatch.safeParse({ distribution: 'no-such-mode' }).success).toBe(false);
    expect(assignedBySchema.options).toEqual([...ASSIGNMENT_METHODS]);
    const byMethod = chatStats([], ['a']).operators[0]!.byMethod;
    expect(Object.keys(byMethod)).toEqual([...ASSIGNMENT_METHODS]);
    expect(Object.values(byMethod).every((count) => count === 0)).toBe(true);
    expect(methodCountsSchema.safeParse({ ...byMethod, extra: 0 }).success).toBe(false);
    const { visitor: _visitor, ...missingOne } = byMethod;
    expect(methodCountsSchema.safeParse(missingOne).success).toBe(false);
  });

  it('counts chats by every assignment method, named operators included', () => {
    const chats = ASSIGNMENT_METHODS.map((method) => chatBy(method, 'early'));
    const [stats] = chatStats([...chats, chatBy(null, null)], ['early']).operators;
    const everyOnce = Object.fromEntries(ASSIGNMENT_METHODS.map((method) => [method, 1]));
    expect(stats).toEqual({ id: 'early', assigned: ASSIGNMENT_METHODS.length, byMethod: everyOnce, missed: 0 });
  });
});

describe('the guards of the modes', () => {
  const operator = operatorOf('a', { turn: 7, activeChats: 2 });

  it('queue reads the head of the queue and guards the turn it read', () => {
    expect(queueMode.reads).toBe('queue-head');
    expect(queueMode.claimGuard(operator)).toEqual({ turn: 7 });
  });

  it('random reads every available operator and guards nothing more than availability', () => {
    expect(randomMode.reads).toBe('all-available');
    expect(randomMode.claimGuard(operator)).toEqual({});
  });

  it('an operator the request named is claimed without a guard, whatever the mode', () => {
    for (const assignedBy of ['visitor', 'default'] as const) expect(claimGuardOf({ operator, assignedBy })).toEqual({});
  });
});
