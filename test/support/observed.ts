import { InProcessDeadlineQueue } from '../../lib/deadlines/in-process-queue.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { dynamoStore } from '../../lib/store/dynamo-store.js';
import { testClock, testDocumentClient } from './engine.js';

const READ_COMMANDS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

export interface ObservedRequest {
  /** The label of the `as(label, …)` call the request was made under; undefined outside any. */
  label: string | undefined;
  command: string;
  write: boolean;
  /** Sequence numbers over all requests of the engine: when it was sent, and when its answer came back. */
  sentAt: number;
  doneAt?: number;
  failed?: boolean;
}

/**
 * An engine on DynamoDB Local whose requests are observed: each is tagged with the label of the
 * operation that made it (through async context), in the order sent and answered. A one-shot hook
 * can run, and be awaited, just before the first write of a labelled operation is sent, to put
 * another operation deterministically between that operation's read and its write.
 */
export function observedEngine(options: { tableName: string }) {
  const clock = testClock();
  const doc = testDocumentClient();
  const context = new AsyncLocalStorage<string>();
  const requests: ObservedRequest[] = [];
  let sequence = 0;
  let hook: { label: string; run: () => Promise<void> } | undefined;

  doc.middlewareStack.add(
    (next, handlerContext) => async (args) => {
      const label = context.getStore();
      const command = handlerContext.commandName ?? 'unknown';
      const write = !READ_COMMANDS.has(command);
      if (hook && write && label === hook.label) {
        const { run } = hook;
        hook = undefined;
        await context.run('hook', run);
      }
      const request: ObservedRequest = { label, command, write, sentAt: (sequence += 1) };
      requests.push(request);
      try {
        return await next(args);
      } catch (error) {
        request.failed = true;
        throw error;
      } finally {
        request.doneAt = sequence += 1;
      }
    },
    { step: 'initialize', name: 'observer' },
  );

  const deps: EngineDeps = { store: dynamoStore(doc, options.tableName), clock: clock.now, random: Math.random, deadlines: new InProcessDeadlineQueue() };
  return {
    deps,
    clock,
    requests,
    /** Runs `operation` with its requests labelled. */
    as<T>(label: string, operation: () => Promise<T>): Promise<T> {
      return context.run(label, operation);
    },
    /** Before the next write made under `label` is sent, runs `run` to completion. */
    beforeNextWrite(label: string, run: () => Promise<void>) {
      hook = { label, run };
    },
    /** Whether the hook set by beforeNextWrite has fired. */
    get hookPending() {
      return hook !== undefined;
    },
    clear() {
      requests.length = 0;
    },
  };
}
