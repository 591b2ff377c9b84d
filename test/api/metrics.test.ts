import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The metrics are EMF log lines: what CloudWatch will read from the functions' logs. With
 * metrics on, a chat assigned writes one line naming the namespace, the metric and its method.
 */
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('metrics', () => {
  it('an assignment is one EMF line: ChatsAssigned, by method, in the service namespace', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    // Powertools writes through a console of its own on stdout.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter((line) => line.includes('_aws')));
      return true;
    });
    const { countAssigned, countNewChat, recordDispatchLatency, METRICS_NAMESPACE } = await import('../../lib/observability/metrics.js');
    countAssigned('least-busy');
    countNewChat('waiting');
    recordDispatchLatency(120);
    const emitted = lines.map((line) => JSON.parse(line));
    expect(emitted).toHaveLength(3);
    expect(emitted[0]).toMatchObject({ method: 'least-busy', ChatsAssigned: 1, service: 'chat-distribution' });
    expect(emitted[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Metrics: [{ Name: 'ChatsAssigned', Unit: 'Count' }] });
    expect(emitted[0]._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['service', 'method']));
    expect(emitted[1]).toMatchObject({ ChatsWaiting: 1 });
    expect(emitted[2]).toMatchObject({ DispatchLatency: 120 });
    expect(emitted[2]._aws.CloudWatchMetrics[0].Metrics[0].Unit).toBe('Milliseconds');
  });
});
