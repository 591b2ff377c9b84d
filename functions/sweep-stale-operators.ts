import { sweepJob } from '../lib/jobs/sweep-stale-operators.js';

export const handler = sweepJob.handler();
