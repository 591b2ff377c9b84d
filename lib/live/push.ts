/**
 * Sends to the sockets: API Gateway's Management API in AWS, the local server's own sockets
 * locally. `send` answers false when the connection is gone (its records are then removed).
 */
export interface LivePush {
  send(connectionId: string, message: object): Promise<boolean>;
  /** Closes the connection (an unauthenticated one, or after a refused auth). */
  close(connectionId: string): Promise<void>;
}
