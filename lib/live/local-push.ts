import type { LivePush } from './push.js';

/** What the local server gives for each open socket. */
export interface LocalSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** The local stack's sockets by connection id: the local server registers them, the handlers send through them. */
export class LocalSockets implements LivePush {
  private readonly sockets = new Map<string, LocalSocket>();

  register(connectionId: string, socket: LocalSocket) {
    this.sockets.set(connectionId, socket);
  }

  unregister(connectionId: string) {
    this.sockets.delete(connectionId);
  }

  send(connectionId: string, message: object): Promise<boolean> {
    const socket = this.sockets.get(connectionId);
    if (!socket) return Promise.resolve(false);
    socket.send(JSON.stringify(message));
    return Promise.resolve(true);
  }

  close(connectionId: string): Promise<void> {
    this.sockets.get(connectionId)?.close(1008, 'closed by the server');
    this.sockets.delete(connectionId);
    return Promise.resolve();
  }
}

let shared: LocalSockets | undefined;

/** The local stack's one registry. */
export function localSockets(): LocalSockets {
  shared ??= new LocalSockets();
  return shared;
}
