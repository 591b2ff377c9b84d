import { expect } from 'vitest';
import { DomainError } from '../../lib/domain/errors.js';
import type { Operator, Settings } from '../../lib/domain/model.js';

/** Hand-built domain objects for the pure unit tests: no I/O. */
export const NOW = Date.parse('2026-11-24T12:00:00.000Z');

export function settingsOf(overrides: Partial<Settings> = {}): Settings {
  return {
    siteId: 'site-1',
    name: 'Test site',
    allowedOrigins: [],
    distribution: 'queue',
    defaultOperators: { regular: null, target: null },
    allowVisitorChoice: false,
    sharedAvatarUrl: null,
    heartbeatTimeoutSeconds: 90,
    maxOpenChatsPerVisitor: 3,
    queueEnabled: true,
    maxWaitingChats: null,
    maxWaitSeconds: 600,
    returningVisitorDays: null,
    answerTimeoutSeconds: null,
    awayAfterMisses: null,
    language: 'en',
    webhookUrl: null,
    retentionDays: 90,
    ...overrides,
  };
}

/** An operator that is available at NOW unless told otherwise (online, fresh heartbeat, no limit). */
export function operatorOf(id: string, overrides: Partial<Operator> = {}): Operator {
  return {
    siteId: 'site-1',
    id,
    name: `Operator ${id}`,
    avatarUrl: null,
    status: 'online',
    maxChats: null,
    activeChats: 0,
    lastAssignedAt: null,
    heartbeatAtMs: NOW - 1_000,
    assigned: 0,
    turn: 0,
    incarnation: 'i1',
    groups: [],
    missed: 0,
    missedInARow: 0,
    ...overrides,
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** Runs `act` and checks that it throws the contract's error, by status and code. */
export function expectDomainErrorSync(act: () => unknown, status: number, code: string): void {
  let caught: unknown;
  try {
    act();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect({ status: (caught as DomainError).status, code: (caught as DomainError).code }).toEqual({ status, code });
}

/** Awaits `promise` and checks that it rejects with the contract's error, by status and code. */
export async function expectDomainError(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect({ status: (caught as DomainError).status, code: (caught as DomainError).code }).toEqual({ status, code });
}

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
export function chiSquareUniform(counts: readonly number[]): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

/** Chi-square critical values for 4 degrees of freedom: upper and lower tail at p = 0.001. */
export const CHI2_DF4_UPPER_P001 = 18.47;
export const CHI2_DF4_LOWER_P001 = 0.0908;
/**
 * The same at p = 0.00001, for tests whose draws are not replayable (concurrent starts consume
 * the seeded source in whatever order they run): at p = 0.001 a tail fails one run in a
 * thousand by chance alone, too often for a check that runs on every submission.
 */
export const CHI2_DF4_UPPER_P00001 = 28.47;
export const CHI2_DF4_LOWER_P00001 = 0.0089;
