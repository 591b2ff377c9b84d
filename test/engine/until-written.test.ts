import { describe, expect, it } from 'vitest';
import { ContentionError } from '../../lib/domain/errors.js';
import { untilWritten } from '../../lib/engine/deps.js';

/** Retries of a read-then-conditional-write step (lib/engine/deps.ts). */
describe('untilWritten', () => {
  it('retries a lost step until it writes, and gives what it wrote', async () => {
    let attempts = 0;
    const written = await untilWritten(async () => (++attempts < 3 ? undefined : 'written'), { random: () => 0 });
    expect(written).toBe('written');
    expect(attempts).toBe(3);
  });

  it('stops with a contention error after its attempts, and sooner when the caller has no time left for another', async () => {
    let attempts = 0;
    await expect(untilWritten(async () => void attempts++, { maxAttempts: 5, random: () => 0 })).rejects.toBeInstanceOf(ContentionError);
    expect(attempts).toBe(5);

    // The function's time runs out after the third attempt: no fourth is started.
    let left = 3;
    attempts = 0;
    const timeLeftMs = () => (attempts < left ? 10_000 : -1);
    await expect(untilWritten(async () => void attempts++, { maxAttempts: 50, random: () => 0, timeLeftMs })).rejects.toBeInstanceOf(ContentionError);
    expect(attempts).toBe(left);
    left = 1;
    attempts = 0;
    await expect(untilWritten(async () => void attempts++, { maxAttempts: 50, timeLeftMs })).rejects.toBeInstanceOf(ContentionError);
    expect(attempts).toBe(1);
  });
});
