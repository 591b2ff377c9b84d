import { describe, expect, it } from 'vitest';
import { hasCapacity, hasLiveHeartbeat, isAvailable } from '../../lib/domain/availability.js';
import {
  decideAssignment,
  lostClaimOf,
  namedOperator,
  turnOnComingOnline,
  unchangedSinceLost,
  type ChatRequest,
  type DecisionInput,
  type Random,
} from '../../lib/domain/distribution/decide.js';
import { pickFromQueue } from '../../lib/domain/distribution/queue.js';
import { pickAtRandom } from '../../lib/domain/distribution/random.js';
import type { Operator, Settings } from '../../lib/domain/model.js';
import { applySettingsPatch } from '../../lib/domain/settings.js';
import {
  CHI2_DF4_LOWER_P001,
  CHI2_DF4_UPPER_P001,
  chiSquareUniform,
  expectDomainErrorSync,
  iso,
  NOW,
  operatorOf,
  settingsOf,
} from '../support/domain.js';
import { seededRandom } from '../support/engine.js';

/** Chi-square critical value for 2 degrees of freedom at p = 0.001. */
const CHI2_DF2_UPPER_P001 = 13.82;
/** Chi-square critical value for 1 degree of freedom at p = 0.001. */
const CHI2_DF1_UPPER_P001 = 10.83;

const constant = (value: number): Random => () => value;
const seconds = (s: number) => iso(NOW - 3_600_000 + s * 1000);

function tally(draws: number, pick: () => Operator | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i += 1) {
    const id = pick()?.id ?? 'null';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('pickFromQueue', () => {
  it('returns null for an empty queue, with or without spread', () => {
    expect(pickFromQueue([], seededRandom(1))).toBeNull();
    expect(pickFromQueue([], seededRandom(1), true)).toBeNull();
  });

  it('takes never-assigned operators first, uniformly at random among them', () => {
    const queue = [
      operatorOf('early', { lastAssignedAt: seconds(1), turn: 1 }),
      operatorOf('new1'),
      operatorOf('later', { lastAssignedAt: seconds(2), turn: 1 }),
      operatorOf('new2'),
      operatorOf('new3'),
    ];
    const random = seededRandom(20261124);
    const counts = tally(900, () => pickFromQueue(queue, random));

    expect([...counts.keys()].sort()).toEqual(['new1', 'new2', 'new3']);
    const statistic = chiSquareUniform(['new1', 'new2', 'new3'].map((id) => counts.get(id) ?? 0));
    expect(statistic).toBeLessThan(CHI2_DF2_UPPER_P001);
  });

  it('draws the never-assigned operator from the random source it is given', () => {
    const queue = [operatorOf('a', { lastAssignedAt: seconds(1) }), operatorOf('n1'), operatorOf('n2'), operatorOf('n3')];
    expect(pickFromQueue(queue, constant(0))?.id).toBe('n1');
    expect(pickFromQueue(queue, constant(0.5))?.id).toBe('n2');
    expect(pickFromQueue(queue, constant(0.999_999))?.id).toBe('n3');
  });

  it('otherwise takes the operator with the earliest last assignment, whatever the list order', () => {
    const operators = [
      operatorOf('a', { lastAssignedAt: seconds(30) }),
      operatorOf('b', { lastAssignedAt: seconds(10) }),
      operatorOf('c', { lastAssignedAt: seconds(20) }),
      operatorOf('d', { lastAssignedAt: seconds(11) }),
    ];
    const random = seededRandom(7);
    for (let rotation = 0; rotation < operators.length; rotation += 1) {
      const queue = [...operators.slice(rotation), ...operators.slice(0, rotation)];
      for (let draw = 0; draw < 20; draw += 1) expect(pickFromQueue(queue, random)?.id).toBe('b');
      expect(pickFromQueue([...queue].reverse(), random)?.id).toBe('b');
    }
  });

  it('breaks a tie on the earliest time at random, and only among the tied', () => {
    const queue = [
      operatorOf('a', { lastAssignedAt: seconds(10) }),
      operatorOf('late', { lastAssignedAt: seconds(50) }),
      operatorOf('b', { lastAssignedAt: seconds(10) }),
    ];
    const random = seededRandom(17);
    const counts = tally(400, () => pickFromQueue(queue, random));
    expect([...counts.keys()].sort()).toEqual(['a', 'b']);
    expect(chiSquareUniform([counts.get('a') ?? 0, counts.get('b') ?? 0])).toBeLessThan(CHI2_DF1_UPPER_P001);
  });

  it('with spread, picks only among the lowest turn, ignoring last-assignment order and never-assigned priority', () => {
    const queue = [
      operatorOf('earliest', { lastAssignedAt: seconds(1), turn: 2 }),
      operatorOf('low1', { lastAssignedAt: seconds(5), turn: 1 }),
      operatorOf('never', { turn: 3 }),
      operatorOf('low2', { lastAssignedAt: seconds(6), turn: 1 }),
    ];
    // Without spread the never-assigned operator comes first.
    expect(pickFromQueue(queue, seededRandom(3))?.id).toBe('never');

    const random = seededRandom(99);
    const counts = tally(400, () => pickFromQueue(queue, random, true));
    expect([...counts.keys()].sort()).toEqual(['low1', 'low2']);
    expect(chiSquareUniform([counts.get('low1') ?? 0, counts.get('low2') ?? 0])).toBeLessThan(CHI2_DF1_UPPER_P001);
  });
});

describe('pickAtRandom', () => {
  it('returns null when nobody is available', () => {
    expect(pickAtRandom([], seededRandom(1))).toBeNull();
  });

  it('follows the random source over the whole list, ignoring queue order', () => {
    const operators = [
      operatorOf('never'),
      operatorOf('a', { lastAssignedAt: seconds(1) }),
      operatorOf('b', { lastAssignedAt: seconds(2) }),
    ];
    expect(pickAtRandom(operators, constant(0))?.id).toBe('never');
    expect(pickAtRandom(operators, constant(0.4))?.id).toBe('a');
    expect(pickAtRandom(operators, constant(0.999_999))?.id).toBe('b');
  });

  it('is uniform: chi-square of 5,000 seeded draws over 5 operators is within the p = 0.001 bounds', () => {
    const operators = ['o1', 'o2', 'o3', 'o4', 'o5'].map((id, i) =>
      operatorOf(id, { lastAssignedAt: i === 0 ? null : seconds(i), turn: i }),
    );
    const random = seededRandom(424242);
    const counts = tally(5000, () => pickAtRandom(operators, random));
    const statistic = chiSquareUniform(operators.map((operator) => counts.get(operator.id) ?? 0));
    expect(statistic).toBeLessThan(CHI2_DF4_UPPER_P001);
    expect(statistic).toBeGreaterThan(CHI2_DF4_LOWER_P001);
  });
});

describe('decideAssignment', () => {
  const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ visitorId: 'v1', clientType: 'regular', ...extra });

  function decide(input: Partial<Omit<DecisionInput, 'settings'>> & { settings?: Partial<Settings> } = {}) {
    const { settings, ...rest } = input;
    return decideAssignment({
      settings: settingsOf(settings),
      request: request(),
      named: null,
      candidates: [],
      nowMs: NOW,
      random: seededRandom(5),
      afterConflict: false,
      ...rest,
    });
  }

  const queue = [
    operatorOf('q2', { lastAssignedAt: seconds(20), turn: 1 }),
    operatorOf('q1', { lastAssignedAt: seconds(10), turn: 1 }),
  ];

  describe("the visitor's choice", () => {
    it('is refused with 403 visitor_choice_disabled when the site does not allow it, even for an available operator', () => {
      const chosen = operatorOf('chosen');
      expectDomainErrorSync(
        () => decide({ request: request({ operatorId: 'chosen' }), named: chosen, candidates: [chosen] }),
        403,
        'visitor_choice_disabled',
      );
    });

    it('is 404 operator_not_found when the operator does not exist', () => {
      expectDomainErrorSync(
        () => decide({ settings: { allowVisitorChoice: true }, request: request({ operatorId: 'ghost' }), named: null, candidates: queue }),
        404,
        'operator_not_found',
      );
    });

    it('is 409 operator_unavailable when the operator is away, offline, stale or full, and never falls back to the queue', () => {
      const unavailable = [
        operatorOf('x', { status: 'away' }),
        operatorOf('x', { status: 'offline' }),
        operatorOf('x', { heartbeatAtMs: NOW - 90_000 }),
        operatorOf('x', { heartbeatAtMs: null }),
        operatorOf('x', { maxChats: 2, activeChats: 2 }),
      ];
      for (const named of unavailable) {
        expectDomainErrorSync(
          () => decide({ settings: { allowVisitorChoice: true }, request: request({ operatorId: 'x' }), named, candidates: queue }),
          409,
          'operator_unavailable',
        );
      }
    });

    it('wins over the default operator and the queue when available: assignedBy visitor', () => {
      const chosen = operatorOf('chosen', { lastAssignedAt: seconds(99), turn: 5 });
      const decision = decide({
        settings: { allowVisitorChoice: true, defaultOperators: { regular: 'q1', target: 'q1' } },
        request: request({ operatorId: 'chosen' }),
        named: chosen,
        candidates: queue,
      });
      expect(decision).toEqual({ operator: chosen, assignedBy: 'visitor' });
    });
  });

  describe('the default operator', () => {
    it('takes the chat when available: assignedBy default, ahead of the queue head', () => {
      const defaultOperator = operatorOf('dflt', { lastAssignedAt: seconds(500), turn: 9 });
      const decision = decide({
        settings: { defaultOperators: { regular: 'dflt', target: null } },
        named: defaultOperator,
        candidates: [...queue, defaultOperator],
      });
      expect(decision).toEqual({ operator: defaultOperator, assignedBy: 'default' });
    });

    it('falls back to the queue when the default is away, offline, stale, full or missing', () => {
      const cases: (Operator | null)[] = [
        operatorOf('dflt', { status: 'away' }),
        operatorOf('dflt', { status: 'offline' }),
        operatorOf('dflt', { heartbeatAtMs: NOW - 90_000 }),
        operatorOf('dflt', { maxChats: 1, activeChats: 1 }),
        null,
      ];
      for (const named of cases) {
        const decision = decide({ settings: { defaultOperators: { regular: 'dflt', target: null } }, named, candidates: queue });
        expect(decision?.assignedBy).toBe('queue');
        expect(decision?.operator.id).toBe('q1');
      }
    });

    it('falls back to random mode when the default is unavailable', () => {
      const decision = decide({
        settings: { distribution: 'random', defaultOperators: { regular: 'dflt', target: null } },
        named: operatorOf('dflt', { status: 'away' }),
        candidates: queue,
        random: constant(0),
      });
      expect(decision).toEqual({ operator: queue[0], assignedBy: 'random' });
    });

    it('is chosen by client type: the target default for target clients, the regular one for regular clients', () => {
      const settings = settingsOf({ defaultOperators: { regular: 'reg', target: 'tgt' } });
      expect(namedOperator(settings, request({ clientType: 'regular' }))).toEqual({ operatorId: 'reg', assignedBy: 'default' });
      expect(namedOperator(settings, request({ clientType: 'target' }))).toEqual({ operatorId: 'tgt', assignedBy: 'default' });

      const targetOnly = { defaultOperators: { regular: null, target: 'tgt' } };
      const target = operatorOf('tgt');
      expect(decide({ settings: targetOnly, request: request({ clientType: 'target' }), named: target, candidates: queue })).toEqual({
        operator: target,
        assignedBy: 'default',
      });
      // A regular client on a site with only a target default goes by the mode, even if handed that operator.
      const regular = decide({ settings: targetOnly, request: request({ clientType: 'regular' }), named: target, candidates: queue });
      expect(regular).toEqual({ operator: queue[1], assignedBy: 'queue' });
      expect(namedOperator(settingsOf(targetOnly), request({ clientType: 'regular' }))).toBeNull();
    });
  });

  describe('the distribution mode', () => {
    it('queue: skips unavailable operators at the head and takes the earliest available one', () => {
      const candidates = [
        operatorOf('stale-head', { lastAssignedAt: seconds(1), heartbeatAtMs: NOW - 200_000 }),
        operatorOf('away-head', { lastAssignedAt: seconds(2), status: 'away' }),
        operatorOf('full-head', { lastAssignedAt: seconds(3), maxChats: 1, activeChats: 1 }),
        operatorOf('next', { lastAssignedAt: seconds(4) }),
        operatorOf('last', { lastAssignedAt: seconds(5) }),
      ];
      expect(decide({ candidates })).toEqual({ operator: candidates[3], assignedBy: 'queue' });
    });

    it('queue after a conflict: spreads over the lowest turn', () => {
      const candidates = [
        operatorOf('head', { lastAssignedAt: seconds(1), turn: 4 }),
        operatorOf('low', { lastAssignedAt: seconds(9), turn: 2 }),
      ];
      expect(decide({ candidates })?.operator.id).toBe('head');
      expect(decide({ candidates, afterConflict: true })?.operator.id).toBe('low');
    });

    it('random: only among available operators', () => {
      const candidates = [
        operatorOf('away', { status: 'away' }),
        operatorOf('ok1'),
        operatorOf('stale', { heartbeatAtMs: NOW - 90_000 }),
        operatorOf('ok2'),
      ];
      const random = seededRandom(11);
      const counts = tally(300, () => decide({ settings: { distribution: 'random' }, candidates, random })?.operator ?? null);
      expect([...counts.keys()].sort()).toEqual(['ok1', 'ok2']);
      expect(decide({ settings: { distribution: 'random' }, candidates, random })?.assignedBy).toBe('random');
    });

    it('returns null when nobody is available, in both modes and with an unavailable default', () => {
      const candidates = [
        operatorOf('away', { status: 'away' }),
        operatorOf('offline', { status: 'offline' }),
        operatorOf('stale', { heartbeatAtMs: NOW - 90_000 }),
        operatorOf('full', { maxChats: 3, activeChats: 3 }),
      ];
      expect(decide({ candidates })).toBeNull();
      expect(decide({ settings: { distribution: 'random' }, candidates })).toBeNull();
      expect(
        decide({ settings: { defaultOperators: { regular: 'stale', target: null } }, named: candidates[2]!, candidates }),
      ).toBeNull();
      expect(decide({ candidates: [] })).toBeNull();
    });
  });
});

describe('isAvailable', () => {
  const settings = settingsOf({ heartbeatTimeoutSeconds: 30 });

  it('is true for an online operator with a live heartbeat and room for a chat', () => {
    expect(isAvailable(operatorOf('a', { heartbeatAtMs: NOW }), settings, NOW)).toBe(true);
    expect(isAvailable(operatorOf('a', { maxChats: 2, activeChats: 1 }), settings, NOW)).toBe(true);
    expect(isAvailable(operatorOf('a', { maxChats: null, activeChats: 500 }), settings, NOW)).toBe(true);
  });

  it('is false for away and offline operators, however fresh their heartbeat', () => {
    expect(isAvailable(operatorOf('a', { status: 'away', heartbeatAtMs: NOW }), settings, NOW)).toBe(false);
    expect(isAvailable(operatorOf('a', { status: 'offline', heartbeatAtMs: NOW }), settings, NOW)).toBe(false);
  });

  it('needs a heartbeat strictly younger than the timeout', () => {
    const timeoutMs = settings.heartbeatTimeoutSeconds * 1000;
    expect(isAvailable(operatorOf('a', { heartbeatAtMs: NOW - timeoutMs + 1 }), settings, NOW)).toBe(true);
    expect(isAvailable(operatorOf('a', { heartbeatAtMs: NOW - timeoutMs }), settings, NOW)).toBe(false);
    expect(isAvailable(operatorOf('a', { heartbeatAtMs: NOW - timeoutMs - 1 }), settings, NOW)).toBe(false);
    expect(isAvailable(operatorOf('a', { heartbeatAtMs: null }), settings, NOW)).toBe(false);
    expect(hasLiveHeartbeat(operatorOf('a', { heartbeatAtMs: NOW - timeoutMs }), settings, NOW)).toBe(false);
  });

  it("follows the site's timeout", () => {
    const operator = operatorOf('a', { heartbeatAtMs: NOW - 60_000 });
    expect(isAvailable(operator, settingsOf({ heartbeatTimeoutSeconds: 61 }), NOW)).toBe(true);
    expect(isAvailable(operator, settingsOf({ heartbeatTimeoutSeconds: 60 }), NOW)).toBe(false);
  });

  it('is false for a full operator (activeChats at or above maxChats)', () => {
    expect(isAvailable(operatorOf('a', { maxChats: 2, activeChats: 2 }), settings, NOW)).toBe(false);
    expect(isAvailable(operatorOf('a', { maxChats: 2, activeChats: 3 }), settings, NOW)).toBe(false);
    expect(hasCapacity({ maxChats: 1, activeChats: 0 })).toBe(true);
    expect(hasCapacity({ maxChats: 1, activeChats: 1 })).toBe(false);
  });
});

describe('turnOnComingOnline', () => {
  it('raises the turn to the lowest turn of the others', () => {
    const others = [operatorOf('a', { turn: 5 }), operatorOf('b', { turn: 3 }), operatorOf('c', { turn: 7 })];
    expect(turnOnComingOnline(operatorOf('me', { turn: 0 }), others)).toBe(3);
  });

  it('never lowers a turn', () => {
    expect(turnOnComingOnline(operatorOf('me', { turn: 4 }), [operatorOf('a', { turn: 2 }), operatorOf('b', { turn: 3 })])).toBe(4);
  });

  it('keeps the turn when nobody else is in the queue head, and ignores its own entry there', () => {
    expect(turnOnComingOnline(operatorOf('me', { turn: 2 }), [])).toBe(2);
    expect(turnOnComingOnline(operatorOf('me', { turn: 2 }), [operatorOf('me', { turn: 9 })])).toBe(2);
    expect(turnOnComingOnline(operatorOf('me', { turn: 2 }), [operatorOf('me', { turn: 0 }), operatorOf('a', { turn: 6 })])).toBe(6);
  });
});

describe('unchangedSinceLost: a copy of an operator is stale after a lost claim', () => {
  const read = operatorOf('a', { turn: 4, activeChats: 2 });

  it('while it shows the turn read or an older one, when the guard did not pin the count', () => {
    for (const guard of [{ turn: 4 }, {}]) {
      const lost = lostClaimOf(read, guard, null);
      expect(lost).toEqual({ turn: 4, current: null });
      expect(unchangedSinceLost(read, lost)).toBe(true);
      expect(unchangedSinceLost(operatorOf('a', { turn: 3, activeChats: 1 }), lost)).toBe(true);
      expect(unchangedSinceLost(operatorOf('a', { turn: 4, activeChats: 1 }), lost)).toBe(true);
      expect(unchangedSinceLost(operatorOf('a', { turn: 5, activeChats: 3 }), lost)).toBe(false);
    }
  });

  it('while it shows the turn and the count read, when the guard pinned the count: a close changes only the count', () => {
    const now = operatorOf('a', { turn: 5, activeChats: 3 });
    const lost = lostClaimOf(read, { activeChats: 2 }, now);
    expect(lost).toEqual({ turn: 4, activeChats: 2, current: now });
    expect(unchangedSinceLost(read, lost)).toBe(true);
    expect(unchangedSinceLost(operatorOf('a', { turn: 4, activeChats: 1 }), lost)).toBe(false);
    expect(unchangedSinceLost(operatorOf('a', { turn: 5, activeChats: 2 }), lost)).toBe(false);
  });
});

describe('applySettingsPatch', () => {
  const base = settingsOf({
    name: 'Base',
    allowedOrigins: ['https://a.example'],
    defaultOperators: { regular: 'r1', target: 't1' },
    sharedAvatarUrl: '/avatar.png',
  });

  it('changes only the fields the patch names, without touching the input', () => {
    const copy = structuredClone(base);
    const next = applySettingsPatch(base, { name: 'Renamed', distribution: 'random', heartbeatTimeoutSeconds: 30 });
    expect(next).toEqual({ ...copy, name: 'Renamed', distribution: 'random', heartbeatTimeoutSeconds: 30 });
    expect(base).toEqual(copy);
    expect(applySettingsPatch(base, {})).toEqual(copy);
  });

  it('replaces lists and booleans', () => {
    const next = applySettingsPatch(base, { allowedOrigins: [], allowVisitorChoice: true });
    expect(next.allowedOrigins).toEqual([]);
    expect(next.allowVisitorChoice).toBe(true);
  });

  it('clears a nullable field with null and keeps it when undefined', () => {
    expect(applySettingsPatch(base, { sharedAvatarUrl: null }).sharedAvatarUrl).toBeNull();
    expect(applySettingsPatch(base, { sharedAvatarUrl: undefined }).sharedAvatarUrl).toBe('/avatar.png');
    expect(applySettingsPatch(base, { sharedAvatarUrl: '/other.png' }).sharedAvatarUrl).toBe('/other.png');
  });

  it('updates each default operator on its own', () => {
    expect(applySettingsPatch(base, { defaultOperators: { regular: 'r2' } }).defaultOperators).toEqual({ regular: 'r2', target: 't1' });
    expect(applySettingsPatch(base, { defaultOperators: { target: null } }).defaultOperators).toEqual({ regular: 'r1', target: null });
    expect(applySettingsPatch(base, { defaultOperators: {} }).defaultOperators).toEqual({ regular: 'r1', target: 't1' });
    expect(applySettingsPatch(base, { defaultOperators: { regular: null, target: 't2' } }).defaultOperators).toEqual({
      regular: null,
      target: 't2',
    });
  });
});
