import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach: loopback, private networks, link-local (the instance
 * metadata service at 169.254.169.254), carrier-grade NAT, multicast and reserved ranges, in
 * IPv4 and IPv6 (and IPv4 written as IPv6). Receivers are on the public internet.
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is. */
function embeddedIpv4(address: string): string | null {
  const match = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return null;
  if (match[1]) return match[1];
  const high = parseInt(match[2]!, 16);
  const low = parseInt(match[3]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return isPublicAddress(v4);
    return !NOT_PUBLIC.check(address, 'ipv6');
  }
  return !NOT_PUBLIC.check(address, 'ipv4');
}

/** The hosts a local stack may send webhooks to over plain http (the contract allows them locally). */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface WebhookTarget {
  url: URL;
  /** A local receiver (local stack only): its address is not checked. */
  local: boolean;
}

/**
 * The checks a URL can pass without the network: https (or a local receiver, where allowed), no
 * credentials in it, and not an address literal that is private. A host name is resolved and its
 * addresses checked as well, when the URL is set and again at each delivery.
 */
export function webhookTargetOf(text: string, allowLocal: boolean): WebhookTarget | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'webhookUrl must be an absolute URL';
  }
  const local = allowLocal && LOCAL_HOSTS.has(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:');
  if (!local && url.protocol !== 'https:') return allowLocal ? 'webhookUrl must be https (or http://localhost locally)' : 'webhookUrl must be https';
  if (url.username || url.password) return 'webhookUrl must not carry a user name or password';
  if (url.hash) return 'webhookUrl must not have a #fragment';
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!local && isIP(literal) && !isPublicAddress(literal)) return 'webhookUrl points to a private or reserved address';
  return { url, local };
}
