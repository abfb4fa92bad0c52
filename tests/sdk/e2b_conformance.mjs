#!/usr/bin/env node
// Conformance of e2b-lite with the official E2B SDK (e2b, pinned in
// package.json): the SDK is pointed at a running e2b-lite unchanged and
// every operation a pipeline uses is checked.
//
//   E2B_API_URL, E2B_SANDBOX_URL, E2B_API_KEY   the server under test
//   E2B_LITE_FAULT_429_URL      a server with --fault-429-rate 1
//   E2B_LITE_FAULT_ERROR_URL    a server with --fault-error-rate 1
//   E2B_LITE_FAULT_5XX_URL      a server with --fault-5xx-rate 1
//   (the fault servers take the same key; a check without its URL is skipped)
//
// Prints one line per check ("ok   NAME (N ms)", "FAIL NAME: why",
// "skip NAME: why") and a summary; exits 1 when a check failed, 2 on bad
// usage.
import {
  assert, check, eq, expectError, fmtError, previewGet, run, skip, sleep, summary,
} from './harness.mjs';
import {
  AuthenticationError,
  CommandExitError,
  NotFoundError,
  RateLimitError,
  Sandbox,
  SandboxError,
  ServiceBusyError,
} from 'e2b';

const env = process.env;
const apiUrl = env.E2B_API_URL;
const sandboxUrl = env.E2B_SANDBOX_URL;
const apiKey = env.E2B_API_KEY;
if (!apiUrl || !sandboxUrl || !apiKey) {
  console.error('e2b_conformance: set E2B_API_URL, E2B_SANDBOX_URL and E2B_API_KEY');
  process.exit(2);
}

const HOME = '/home/user';
const SUITE = `e2b-conformance-${process.pid}-${Date.now()}`;
const created = [];

// Connection options for a server (its API and envd URLs are the same).
function opts(url = apiUrl, more = {}) {
  return { apiKey, apiUrl: url, sandboxUrl: url === apiUrl ? sandboxUrl : url, ...more };
}

async function create(more = {}) {
  const sb = await Sandbox.create('base', opts(apiUrl, { timeoutMs: 120000, ...more }));
  created.push(sb);
  return sb;
}

// A GET on port of sb through the proxy, by host name (getHost).
function portGet(sb, port, path, headers = {}) {
  return previewGet(`http://${sb.getHost(port)}${path}`, headers);
}

async function main() {
  let sb = null;

  // --- lifecycle ---------------------------------------------------------
  await check('create with metadata and envs', async () => {
    sb = await create({ metadata: { suite: SUITE, 'runeval.job': SUITE }, envs: { FOO: 'bar', WITH_SPACE: 'a b' } });
    assert(sb.sandboxId, 'no sandbox id');
    const info = await sb.getInfo();
    eq(info.metadata.suite, SUITE, 'metadata');
    eq(info.state, 'running', 'state');
    assert(info.endAt.getTime() > Date.now() + 60000, `endAt ${info.endAt.toISOString()}`);
    assert(await sb.isRunning(), 'not running');
  });
  if (!sb) return finish();

  // --- commands ----------------------------------------------------------
  await check('envs reach commands', async () => {
    const r = await sb.commands.run('printf "%s|%s|%s" "$FOO" "$WITH_SPACE" "$E2B_SANDBOX_ID"');
    eq(r.stdout, `bar|a b|${sb.sandboxId}`, 'stdout');
  });

  await check('commands.run foreground: exit code, stdout, stderr', async () => {
    const r = await sb.commands.run('echo out; echo err >&2; pwd; whoami', { envs: { ONLY: 'here' } });
    eq(r.exitCode, 0, 'exit code');
    eq(r.stdout, `out\n${HOME}\nuser\n`, 'stdout');
    eq(r.stderr, 'err\n', 'stderr');
  });

  await check('commands.run non-zero exit is CommandExitError', async () => {
    const e = await expectError(sb.commands.run('echo partial; echo bad >&2; exit 3'), CommandExitError, 'run');
    eq(e.exitCode, 3, 'exit code');
    eq(e.stdout, 'partial\n', 'stdout');
    eq(e.stderr, 'bad\n', 'stderr');
  });

  await check('commands.run cwd and streamed output', async () => {
    const seen = [];
    const r = await sb.commands.run('for i in 1 2 3; do echo line$i; done', {
      cwd: '/tmp', onStdout: (d) => seen.push(d),
    });
    eq(r.stdout, 'line1\nline2\nline3\n', 'stdout');
    assert(seen.join('') === r.stdout, `streamed ${JSON.stringify(seen)}`);
  });

  await check('commands.run background: pid, list, kill', async () => {
    const h = await sb.commands.run('sleep 60', { background: true, timeoutMs: 0 });
    assert(h.pid > 0, `pid ${h.pid}`);
    const listed = await sb.commands.list();
    assert(listed.some((p) => p.pid === h.pid && p.args.includes('sleep 60')), `list ${JSON.stringify(listed)}`);
    eq(await h.kill(), true, 'kill');
    const e = await expectError(h.wait(), CommandExitError, 'wait');
    assert(e.exitCode !== 0, `exit code ${e.exitCode}`);
    assert(!(await sb.commands.list()).some((p) => p.pid === h.pid), 'still listed');
    eq(await sb.commands.kill(h.pid), false, 'kill again');
  });

  await check('commands.connect to a running command', async () => {
    const h = await sb.commands.run('sleep 0.5; echo late', { background: true });
    const again = await sb.commands.connect(h.pid);
    const r = await again.wait();
    eq(r.stdout, 'late\n', 'stdout');
  });

  await check('commands stdin: sendStdin, closeStdin', async () => {
    const h = await sb.commands.run('cat', { background: true, stdin: true });
    await sb.commands.sendStdin(h.pid, 'hello stdin\n');
    await sb.commands.closeStdin(h.pid);
    const r = await h.wait();
    eq(r.stdout, 'hello stdin\n', 'stdout');
  });

  // --- files -------------------------------------------------------------
  await check('files.write and files.read', async () => {
    const info = await sb.files.write('notes/a.txt', 'hello files');
    eq(info.path, `${HOME}/notes/a.txt`, 'path');
    eq(await sb.files.read('notes/a.txt'), 'hello files', 'read');
    const bin = new Uint8Array(70000).map((_, i) => (i * 7) & 0xff);
    await sb.files.write('/tmp/bin.dat', bin);
    const back = await sb.files.read('/tmp/bin.dat', { format: 'bytes' });
    eq(Buffer.compare(Buffer.from(back), Buffer.from(bin)), 0, 'binary round trip');
  });

  await check('files: many, list, exists, makeDir, rename, remove', async () => {
    await sb.files.write([{ path: 'm/one.txt', data: '1' }, { path: 'm/two.txt', data: '2' }]);
    const names = (await sb.files.list('m')).map((e) => e.name).sort();
    eq(names, ['one.txt', 'two.txt'], 'list');
    eq(await sb.files.exists('m/one.txt'), true, 'exists');
    eq(await sb.files.exists('m/none.txt'), false, 'exists (not)');
    eq(await sb.files.makeDir('m/sub'), true, 'makeDir');
    eq(await sb.files.makeDir('m/sub'), false, 'makeDir again');
    await sb.files.rename('m/one.txt', 'm/sub/one.txt');
    eq(await sb.files.read('m/sub/one.txt'), '1', 'renamed');
    await sb.files.remove('m');
    eq(await sb.files.exists('m'), false, 'removed');
    await expectError(sb.files.read('m/two.txt'), NotFoundError, 'read removed');
  });

  // --- ports -------------------------------------------------------------
  await check('getHost(port) and a request through it', async () => {
    await sb.files.write('/tmp/www/index.html', 'served from the sandbox');
    await sb.commands.run('cd /tmp/www && exec python3 -m http.server 8000', { background: true, timeoutMs: 0 });
    const host = sb.getHost(8000);
    assert(host.startsWith(`8000-${sb.sandboxId}.`), `host ${host}`);
    let last;
    for (let i = 0; i < 100; i++) {
      last = await portGet(sb, 8000, '/index.html');
      if (last.status === 200) break;
      await sleep(100);
    }
    eq(last.status, 200, 'status');
    eq(last.body, 'served from the sandbox', 'body');
    eq((await portGet(sb, 8001, '/')).status, 502, 'nothing on 8001');
  });

  await check('a private sandbox needs its traffic token', async () => {
    const p = await create({ network: { allowPublicTraffic: false }, metadata: { suite: SUITE } });
    assert(p.trafficAccessToken, 'no trafficAccessToken');
    await p.commands.run('exec python3 -m http.server 8000', { background: true, timeoutMs: 0, cwd: '/tmp' });
    let last;
    for (let i = 0; i < 100; i++) {
      last = await portGet(p, 8000, '/', { 'e2b-traffic-access-token': p.trafficAccessToken });
      if (last.status === 200) break;
      await sleep(100);
    }
    eq(last.status, 200, 'with the token');
    eq((await portGet(p, 8000, '/')).status, 403, 'without it');
    eq(await p.kill(), true, 'kill');
  });

  // --- the control plane -------------------------------------------------
  await check('list by metadata, page by page', async () => {
    const other = await create({ metadata: { suite: SUITE, 'runeval.job': SUITE } });
    const seen = [];
    const pages = Sandbox.list(opts(apiUrl, { query: { metadata: { 'runeval.job': SUITE } }, limit: 1 }));
    while (pages.hasNext) seen.push(...(await pages.nextItems()).map((s) => s.sandboxId));
    eq(seen.sort(), [sb.sandboxId, other.sandboxId].sort(), 'listed');
    const none = await Sandbox.list(opts(apiUrl, { query: { metadata: { 'runeval.job': 'no such job' } } })).nextItems();
    eq(none.length, 0, 'no match');
    await other.kill();
  });

  await check('setTimeout moves the end', async () => {
    await sb.setTimeout(45000);
    const end = (await sb.getInfo()).endAt.getTime();
    assert(Math.abs(end - (Date.now() + 45000)) < 10000, `endAt ${new Date(end).toISOString()}`);
    await sb.setTimeout(120000);
  });

  await check('a sandbox past its timeout is gone', async () => {
    const short = await create({ timeoutMs: 1000 });
    for (let i = 0; i < 100 && (await Sandbox.list(opts()).nextItems()).some((s) => s.sandboxId === short.sandboxId); i++)
      await sleep(100);
    await expectError(Sandbox.getInfo(short.sandboxId, opts()), NotFoundError, 'getInfo');
  });

  await check('kill', async () => {
    eq(await sb.kill(), true, 'kill');
    await expectError(sb.getInfo(), NotFoundError, 'getInfo after kill');
    eq(await Sandbox.kill(sb.sandboxId, opts()), false, 'kill again');
  });

  await check('a wrong API key is AuthenticationError', async () => {
    await expectError(Sandbox.create('base', { ...opts(), apiKey: 'e2b_not_the_key' }), AuthenticationError, 'create');
  });

  // --- injected faults ---------------------------------------------------
  if (env.E2B_LITE_FAULT_429_URL) {
    await check('fault 429 is RateLimitError', async () => {
      await expectError(Sandbox.create('base', opts(env.E2B_LITE_FAULT_429_URL)), RateLimitError, 'create');
    });
  } else skip('fault 429 is RateLimitError', 'E2B_LITE_FAULT_429_URL not set');

  if (env.E2B_LITE_FAULT_ERROR_URL) {
    await check('fault sandbox in error is SandboxError', async () => {
      const e = await expectError(Sandbox.create('base', opts(env.E2B_LITE_FAULT_ERROR_URL)), SandboxError, 'create');
      assert(/fault-error-rate/.test(e.message), `message: ${e.message}`);
      eq((await Sandbox.list(opts(env.E2B_LITE_FAULT_ERROR_URL)).nextItems()).length, 0, 'left behind');
    });
  } else skip('fault sandbox in error is SandboxError', 'E2B_LITE_FAULT_ERROR_URL not set');

  if (env.E2B_LITE_FAULT_5XX_URL) {
    await check('fault 5xx is a server error class', async () => {
      for (let i = 0; i < 6; i++) {	/* 500, 502 or 503, drawn at random */
        const e = await expectError(Sandbox.getInfo('any', opts(env.E2B_LITE_FAULT_5XX_URL)), Error, 'getInfo');
        assert(e instanceof ServiceBusyError || (e instanceof SandboxError && [500, 502].includes(e.statusCode)),
          `got ${fmtError(e)}`);
      }
    });
  } else skip('fault 5xx is a server error class', 'E2B_LITE_FAULT_5XX_URL not set');

  return finish();
}

async function finish() {
  for (const s of created) {
    try {
      await s.kill();
    } catch (e) {
      console.log(`note: cannot kill sandbox ${s.sandboxId}: ${fmtError(e)}`);
    }
  }
  summary();
}

run(main);
