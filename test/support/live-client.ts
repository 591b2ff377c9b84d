import WebSocket from 'ws';

/** A socket client for the live-push tests: keeps every message and waits for the one a test expects. */
export async function liveClient(url: string) {
  const socket = new WebSocket(url);
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  let closeCode: number | null = null;
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) =>
    socket.on('close', (code) => {
      closeCode = code;
      for (const wake of waiters.splice(0)) wake();
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    messages,
    closed,
    get closeCode() {
      return closeCode;
    },
    send: (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    /** The first message (from now or already received) that `test` accepts. */
    async next(test: (message: any) => boolean): Promise<any> {
      for (;;) {
        const found = messages.find(test);
        if (found) return found;
        if (closeCode !== null) throw new Error(`the socket closed (${closeCode}) before the message came: ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async auth(siteId: string, token: string, chatId?: string) {
      socket.send(JSON.stringify({ type: 'auth', siteId, token, ...(chatId ? { chatId } : {}) }));
      return this.next((message) => message.type === 'ready' || message.type === 'error');
    },
    close: () => socket.close(),
  };
}

export type LiveClient = Awaited<ReturnType<typeof liveClient>>;
