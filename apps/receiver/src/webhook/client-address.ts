import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { PassworksWebhookError } from '@passworks-webhooks/core';

/**
 * How far `X-Forwarded-For` is believed: `false` (not at all, the socket's
 * peer is the client), a number of proxy hops in front of the receiver, or
 * the addresses and subnets (CIDR) of the proxies.
 */
export type TrustProxy = false | number | readonly string[];

/** The client address of a request, as far as the trust setting believes its proxies. */
export type ClientAddressOf = (req: IncomingMessage) => string | undefined;

/** `::ffff:127.0.0.1` (an IPv4 peer of a dual-stack socket) as `127.0.0.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** The proxies of a list as a BlockList; throws `invalid_config` naming an entry that is neither an address nor a subnet. */
function proxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (family === 0 || (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)))) {
      throw new PassworksWebhookError('invalid_config', `trustProxy: expected IP addresses or subnets (CIDR), got ${JSON.stringify(entry)}`);
    }
    if (bits === undefined) list.addAddress(address, familyOf(address));
    else list.addSubnet(address, bits, familyOf(address));
  }
  return list;
}

/** The `X-Forwarded-For` chain, nearest proxy last, each entry trimmed. */
function forwardedFor(req: IncomingMessage): string[] {
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  return value === undefined
    ? []
    : value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0);
}

/**
 * Builds the client address reader of {@link TrustProxy}: off, the socket's
 * peer; a hop count N, the address N entries back along the chain (socket
 * peer, then `X-Forwarded-For` from its end); a proxy list, the first
 * address along that chain that is not a trusted proxy. An address a
 * client wrote itself is never believed past the proxies trusted.
 * @example const clientAddress = createClientAddress(['10.0.0.0/8']); clientAddress(req);
 */
export function createClientAddress(trustProxy: TrustProxy): ClientAddressOf {
  const peer = (req: IncomingMessage): string | undefined => (req.socket.remoteAddress === undefined ? undefined : plain(req.socket.remoteAddress));
  if (trustProxy === false || trustProxy === 0) return peer;
  if (typeof trustProxy === 'number') {
    if (!Number.isSafeInteger(trustProxy) || trustProxy < 0)
      throw new PassworksWebhookError('invalid_config', `trustProxy: expected false, a hop count or a list of proxies, got ${trustProxy}`);
    return (req) => {
      const chain = forwardedFor(req);
      if (chain.length === 0) return peer(req);
      return plain(chain[Math.max(0, chain.length - trustProxy)] as string);
    };
  }
  const proxies = proxyList(trustProxy);
  const trusted = (address: string): boolean => isIP(address) !== 0 && proxies.check(address, familyOf(address));
  return (req) => {
    let address = peer(req);
    const chain = forwardedFor(req);
    while (address !== undefined && trusted(address) && chain.length > 0) address = plain(chain.pop() as string);
    return address;
  };
}

/**
 * Reads a `TRUST_PROXY` value: empty, `false` or `0` (off), a hop count, or
 * a comma-separated list of proxy addresses and subnets (`loopback` is
 * `127.0.0.1/8,::1`).
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .flatMap((entry) => (entry.trim() === 'loopback' ? ['127.0.0.1/8', '::1'] : [entry.trim()]))
    .filter((entry) => entry.length > 0);
  proxyList(entries); // throws invalid_config naming a bad entry
  return entries;
}
