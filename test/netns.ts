import { type ChildProcess, type SpawnOptions, execFileSync, spawn, spawnSync } from 'node:child_process';

/**
 * Separate "hosts" on one machine for the multi-host tests: each is a Linux network namespace
 * joined to this one by a veth pair, host side 198.18.N.1, namespace side 198.18.N.2 (the
 * benchmarking range of RFC 2544, never routed). A process started in a namespace reaches
 * only its own loopback and the host side of its veth: the server listens there, so every
 * connection crosses a real network interface and can be cut like a remote one.
 */
export interface FakeHosts {
  /** Per host: the address the server listens on for it (the host side of its veth). */
  readonly serverAddresses: readonly string[];
  /** Per host: the address its processes connect from. */
  readonly clientAddresses: readonly string[];
  /** The /24s to trust in pg_hba.conf. */
  readonly networks: readonly string[];
  /** Spawns `command` inside host `i`'s namespace (the pid is the command's own: `ip netns exec` execs). */
  spawn(i: number, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Deletes the namespaces and their veths (also done at process exit). */
  remove(): void;
}

/** Why fake hosts cannot be made here, or undefined when they can. */
export function whyNoFakeHosts(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return `network namespaces need root (running as uid ${process.getuid?.()}); run the suite as root or in a container with CAP_NET_ADMIN`;
  if (spawnSync('ip', ['-V']).status !== 0) return 'the `ip` command (iproute2) is not installed';
  const probe = `snprobe${process.pid % 100000}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace here (${r.stderr.trim() || 'ip netns add failed'}); the container lacks CAP_SYS_ADMIN/CAP_NET_ADMIN`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

export function createFakeHosts(count: number): FakeHosts {
  const tag = (process.pid % 10000).toString(36);
  // Different test processes get different /24s (pid-derived), so they never collide.
  const base = (process.pid % 80) * 3;
  const ns = (i: number) => `sn${tag}n${i}`;
  const hostIf = (i: number) => `sn${tag}h${i}`;
  const nsIf = (i: number) => `sn${tag}c${i}`;
  const net = (i: number) => `198.18.${base + i}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    // Deleting a namespace deletes the veth end inside it, and with it the pair.
    for (let i = 0; i < count; i++) spawnSync('ip', ['netns', 'del', ns(i)]);
    for (let i = 0; i < count; i++) spawnSync('ip', ['link', 'del', hostIf(i)], { stdio: 'ignore' });
    process.off('exit', remove);
  };
  process.on('exit', remove);
  try {
    for (let i = 0; i < count; i++) {
      ip('netns', 'add', ns(i));
      ip('link', 'add', hostIf(i), 'type', 'veth', 'peer', 'name', nsIf(i));
      ip('link', 'set', nsIf(i), 'netns', ns(i));
      ip('addr', 'add', `${net(i)}.1/24`, 'dev', hostIf(i));
      ip('link', 'set', hostIf(i), 'up');
      ip('-n', ns(i), 'addr', 'add', `${net(i)}.2/24`, 'dev', nsIf(i));
      ip('-n', ns(i), 'link', 'set', nsIf(i), 'up');
      ip('-n', ns(i), 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    remove();
    throw new Error(`could not set up network namespaces: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`);
  }
  const hosts = Array.from({ length: count }, (_, i) => i);
  return {
    serverAddresses: hosts.map((i) => `${net(i)}.1`),
    clientAddresses: hosts.map((i) => `${net(i)}.2`),
    networks: hosts.map((i) => `${net(i)}.0/24`),
    spawn: (i, command, args, options = {}) => spawn('ip', ['netns', 'exec', ns(i), command, ...args], options),
    remove,
  };
}
