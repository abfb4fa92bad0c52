// The check harness the SDK conformance scripts share (conformance.mjs for
// daytona-lite, e2b_conformance.mjs for e2b-lite): one line per check
// ("ok   NAME (N ms)", "FAIL NAME: why", "skip NAME: why") and a summary.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export const counts = { ok: 0, fail: 0, skip: 0 };

export function fmtError(e) {
  return `${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`;
}

export async function check(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    counts.ok++;
    console.log(`ok   ${name} (${Math.round(performance.now() - t0)} ms)`);
    return true;
  } catch (e) {
    counts.fail++;
    console.log(`FAIL ${name}: ${fmtError(e).replace(/\s+/g, ' ')}`);
    return false;
  }
}

export function skip(name, why) {
  counts.skip++;
  console.log(`skip ${name}: ${why}`);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function eq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

export async function expectError(promise, cls, what) {
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof cls)) throw new Error(`${what}: got ${fmtError(e)}, want ${cls.name}`);
    return e;
  }
  throw new Error(`${what}: no error, want ${cls.name}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// GET through a sandbox URL: *.localhost is resolved to loopback here
// (glibc does not), the Host header stays the sandbox's host.
export function previewGet(url, headers) {
  return new Promise((resolve, reject) => {
    const lookup = (host, opts, cb) =>
      opts && opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    const req = http.get(url, { headers, lookup, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('preview request timed out')));
  });
}

// Print the summary and exit: 1 when a check failed.
export function summary() {
  console.log(`conformance: ${counts.ok} passed, ${counts.fail} failed, ${counts.skip} skipped`);
  process.exit(counts.fail ? 1 : 0);
}

// Run main(); a throw outside a check fails the run.
export function run(main) {
  main().catch((e) => {
    console.log(`FAIL harness: ${fmtError(e)}`);
    process.exit(1);
  });
}
