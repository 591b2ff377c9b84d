import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress, type WebhookTarget } from './address-policy.js';

/** A receiver that has not answered in this long has failed this delivery. */
export const DELIVERY_TIMEOUT_MS = 5_000;
/** Of a receiver's reply only this much is read (it is not used, only logged as a status). */
const REPLY_BYTES_READ = 1024;

/** Resolves a host name to all its addresses (node:dns by default; tests give their own). */
export type Resolve = (hostname: string) => Promise<string[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses: LookupAddress[]) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))),
  );

export class UnsafeTargetError extends Error {}

/** The addresses a target may be reached at: all of its host's addresses, each of them public (a local target as it resolves). */
export async function safeAddressesOf(target: WebhookTarget, resolve: Resolve): Promise<string[]> {
  const host = target.url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await resolve(host).catch(() => {
    throw new UnsafeTargetError(`webhookUrl: the host ${host} does not resolve`);
  });
  if (addresses.length === 0) throw new UnsafeTargetError(`webhookUrl: the host ${host} does not resolve`);
  if (!target.local && !addresses.every(isPublicAddress)) throw new UnsafeTargetError('webhookUrl resolves to a private or reserved address');
  return addresses;
}

export interface PostResult {
  /** The receiver's status; null when there was no reply (refused, timed out, unsafe). */
  status: number | null;
  /** Why there was no 2xx, in a few words. */
  error: string | null;
}

/**
 * POSTs one delivery. The connection goes to an address checked at this moment (the lookup the
 * request makes is answered from the checked addresses), so a host that turns private between
 * the settings' check and a delivery (DNS rebinding) is refused. Redirects are not followed.
 */
export async function postWebhook(target: WebhookTarget, body: string, headers: Record<string, string>, resolve: Resolve): Promise<PostResult> {
  let addresses: string[];
  try {
    addresses = await safeAddressesOf(target, resolve);
  } catch (error) {
    return { status: null, error: error instanceof UnsafeTargetError ? error.message : 'the host did not resolve' };
  }
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const all = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) callback(null, all);
    else callback(null, all[0]!.address, all[0]!.family);
  };
  const options: RequestOptions = {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'chat-distribution-webhooks/1', ...headers },
    lookup: pinned,
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((settle) => {
    const request = send(target.url, options, (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > REPLY_BYTES_READ) response.destroy();
      });
      const done = () => settle({ status, error: status >= 200 && status < 300 ? null : `the receiver answered ${status}` });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle({ status: null, error: error.name === 'AbortError' || error.name === 'TimeoutError' ? `no reply within ${DELIVERY_TIMEOUT_MS / 1000} s` : `could not connect (${error.code ?? 'error'})` }),
    );
    request.end(body);
  });
}
