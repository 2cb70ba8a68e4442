/**
 * The viewer's defence against DNS rebinding: a page on another site that gets its own host name
 * resolved to 127.0.0.1 sends that name in the Host header, so only loopback names are answered.
 * The port is not checked: `ssh -L 9000:127.0.0.1:PORT` and other forwards reach the server under
 * another port, and a request can only arrive through a socket bound to 127.0.0.1 anyway.
 */

/** Host names that always mean this machine; `[::1]` is the IPv6 form a forward may use. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Whether a Host header names this machine: a loopback name with an optional port (1-65535).
 * @example isLoopbackHost('localhost:9000') // => true
 * @example isLoopbackHost('evil.example:8080') // => false
 */
export function isLoopbackHost(host: string | undefined): boolean {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec((host ?? '').toLowerCase());
  if (!match) return false;
  const [, name, port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  return LOOPBACK_HOST_NAMES.includes(name);
}
