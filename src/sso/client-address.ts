// Which "client" an address belongs to, for the per-client limits (request rate, open sign-ins).
//
// An IPv4 address is one client. An IPv6 host, however, is normally handed a whole /64 (RFC 4291 §2.5.1
// interface identifiers; SLAAC and privacy addresses, RFC 8981, rotate the low 64 bits at will), so one
// machine can use billions of addresses without any effort: counted per address, a limit would not limit
// it. All addresses of one /64 therefore count as one client. A wider prefix (/56, /48) would lump
// unrelated customers of one provider together; the /64 is the unit every network gives a single link.
import { isIPv4, isIPv6 } from 'node:net';

/** The limit key of an address: the IPv4 address itself, or the IPv6 /64 prefix (`2001:db8:0:1::/64`). */
export function clientKey(address: string): string {
  const bare = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not a host
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  // ::ffff:a.b.c.d is an IPv4 client seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
