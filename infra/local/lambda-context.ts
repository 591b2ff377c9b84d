import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { limitsOf } from '../../lib/function-limits.js';

/** The Lambda context a local invocation gets: the function's own timeout and memory, as deployed. */
export function lambdaContext(functionName: string): Context {
  const limits = limitsOf(functionName);
  const deadline = Date.now() + limits.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(limits.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The handler of functions/<name>.ts, as the Lambda of that name runs it (loaded once). */
const loaded = new Map<string, Promise<unknown>>();
export function loadFunction<Handler>(name: string): Promise<Handler> {
  let handler = loaded.get(name);
  if (!handler) {
    handler = import(`../../functions/${name}.ts`).then((module: { handler: unknown }) => module.handler);
    loaded.set(name, handler);
  }
  return handler as Promise<Handler>;
}
