#!/usr/bin/env node
// Conformance of daytona-lite with the official Daytona TypeScript SDK
// (@daytonaio/sdk, pinned in package.json): the SDK is pointed at a running
// daytona-lite unchanged and every operation a pipeline uses is checked.
//
//   DAYTONA_API_URL, DAYTONA_API_KEY     the server under test (required)
//   DAYTONA_LITE_FAULT_429_URL           a server with --fault-429-rate 1
//   DAYTONA_LITE_FAULT_ERROR_URL         a server with --fault-error-rate 1
//   DAYTONA_LITE_FAULT_5XX_URL           a server with --fault-5xx-rate 1
//   (the fault servers take the same key; a check without its URL is skipped)
//
// Prints one line per check ("ok   NAME (N ms)", "FAIL NAME: why",
// "skip NAME: why") and a summary; exits 1 when a check failed, 2 on bad
// usage.
import { performance } from 'node:perf_hooks';
import {
  assert, check, eq, expectError, fmtError, previewGet, run, skip, sleep, summary,
} from './harness.mjs';
import {
  Daytona,
  DaytonaBadGatewayError,
  DaytonaError,
  DaytonaInternalServerError,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
  DaytonaServiceUnavailableError,
  DaytonaTimeoutError,
} from '@daytonaio/sdk';

const env = process.env;
const apiUrl = env.DAYTONA_API_URL;
const apiKey = env.DAYTONA_API_KEY;
if (!apiUrl || !apiKey) {
  console.error('conformance: set DAYTONA_API_URL and DAYTONA_API_KEY');
  process.exit(2);
}

const HOME = '/home/daytona';
const SUITE = `conformance-${process.pid}-${Date.now()}`;
const created = [];

function client(url) {
  return new Daytona({ apiKey, apiUrl: url, target: 'us' });
}

async function main() {
  const daytona = client(apiUrl);
  let sb = null;
  let other = null;

  // --- lifecycle ---------------------------------------------------------
  await check('create', async () => {
    sb = await daytona.create(
      { envVars: { FOO: 'bar', WITH_SPACE: 'a b' }, labels: { suite: SUITE, kind: 'main' }, language: 'python' },
      { timeout: 60 },
    );
    created.push(sb);
    assert(sb.id, 'no sandbox id');
    eq(sb.labels.suite, SUITE, 'label suite');
    eq(sb.labels['code-toolbox-language'], 'python', 'language label');
  });
  if (!sb) return finish(daytona);

  await check('wait for started', async () => {
    await sb.waitUntilStarted(60);
    await sb.refreshData();
    eq(sb.state, 'started', 'state');
  });

  await check('env reaches commands', async () => {
    const r = await sb.process.executeCommand('printf "%s|%s" "$FOO" "$WITH_SPACE"');
    eq(r.exitCode, 0, 'exit code');
    eq(r.result, 'bar|a b', 'result');
  });

  // --- files -------------------------------------------------------------
  const binary = Buffer.alloc(70000);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7 + (i >> 8)) & 0xff;

  await check('uploadFile', async () => {
    await sb.fs.uploadFile(Buffer.from('hello world\n'), `${HOME}/hello.txt`);
    await sb.fs.uploadFile(binary, `${HOME}/bin/data.bin`);
    const r = await sb.process.executeCommand(`cat ${HOME}/hello.txt; stat -c %s ${HOME}/bin/data.bin`);
    eq(r.result, 'hello world\n70000\n', 'uploaded files');
  });

  await check('uploadFiles', async () => {
    await sb.fs.uploadFiles([
      { source: Buffer.from('first'), destination: `${HOME}/up/a.txt` },
      { source: Buffer.from('{"k": 1}'), destination: `${HOME}/up/deep/er/b.json` },
    ]);
    const r = await sb.process.executeCommand(`cat ${HOME}/up/a.txt ${HOME}/up/deep/er/b.json`);
    eq(r.result, 'first{"k": 1}', 'uploaded files');
  });

  await check('createFolder', async () => {
    await sb.fs.createFolder(`${HOME}/src/pkg`, '750');
    const r = await sb.process.executeCommand(`stat -c %a ${HOME}/src/pkg`);
    eq(r.result.trim(), '750', 'mode');
  });

  await check('listFiles', async () => {
    const files = await sb.fs.listFiles(HOME);
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    for (const n of ['hello.txt', 'bin', 'up', 'src']) assert(byName[n], `'${n}' not listed`);
    eq(byName['hello.txt'].size, 12, 'size of hello.txt');
    eq(byName['hello.txt'].isDir, false, 'hello.txt isDir');
    eq(byName.src.isDir, true, 'src isDir');
  });

  await check('downloadFile', async () => {
    const text = await sb.fs.downloadFile(`${HOME}/hello.txt`);
    eq(text.toString(), 'hello world\n', 'content');
    const bin = await sb.fs.downloadFile(`${HOME}/bin/data.bin`);
    assert(Buffer.compare(bin, binary) === 0, `binary download differs (${bin.length} bytes)`);
    await expectError(sb.fs.downloadFile(`${HOME}/missing.txt`), DaytonaNotFoundError, 'missing file');
  });

  await check('upload outside the sandbox refused', async () => {
    await expectError(
      sb.fs.uploadFile(Buffer.from('x'), `${HOME}/../../etc/conformance-escape`),
      DaytonaError,
      'escaping upload',
    );
    const r = await sb.process.executeCommand('test -e /etc/conformance-escape; echo $?');
    eq(r.result.trim(), '1', 'file outside home exists?');
  });

  // --- process -----------------------------------------------------------
  await check('executeCommand', async () => {
    const r = await sb.process.executeCommand('echo $A; pwd; echo err >&2; exit 3', '/tmp', { A: '1' }, 10);
    eq(r.exitCode, 3, 'exit code');
    eq(r.result, '1\n/tmp\nerr\n', 'result');
  });

  await check('executeCommand timeout', async () => {
    const t0 = performance.now();
    await expectError(sb.process.executeCommand('sleep 20', undefined, undefined, 1), DaytonaTimeoutError, 'timeout');
    assert(performance.now() - t0 < 8000, 'the timeout took too long');
  });

  await check('codeRun', async () => {
    const r = await sb.process.codeRun('import sys\nprint("py", sys.argv[1:])\nsys.exit(2)', { argv: ['x'] });
    eq(r.exitCode, 2, 'exit code');
    eq(r.result, "py ['x']\n", 'result');
  });

  // --- sessions ----------------------------------------------------------
  await check('session exec keeps state', async () => {
    await sb.process.createSession('s1');
    await sb.process.executeSessionCommand('s1', { command: 'cd /tmp && export X=5' });
    const r = await sb.process.executeSessionCommand('s1', { command: 'echo $X; pwd; echo e >&2' });
    eq(r.exitCode, 0, 'exit code');
    eq(r.stdout, '5\n/tmp\n', 'stdout');
    eq(r.stderr, 'e\n', 'stderr');
  });

  let cmdId = null;
  await check('session runAsync and command status', async () => {
    const r = await sb.process.executeSessionCommand('s1', {
      command: 'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.3; done',
      runAsync: true,
    });
    cmdId = r.cmdId;
    assert(cmdId, 'no cmdId');
    const c = await sb.process.getSessionCommand('s1', cmdId);
    eq(c.id, cmdId, 'command id');
    eq(c.exitCode, undefined, 'exitCode while running');
  });

  await check('session streamed logs', async () => {
    assert(cmdId, 'no command to follow');
    let out = '';
    let err = '';
    await sb.process.getSessionCommandLogs('s1', cmdId, (c) => (out += c), (c) => (err += c));
    eq(out, 'out1\nout2\nout3\n', 'streamed stdout');
    eq(err, 'err1\nerr2\nerr3\n', 'streamed stderr');
  });

  await check('session logs and exit code', async () => {
    assert(cmdId, 'no command');
    const logs = await sb.process.getSessionCommandLogs('s1', cmdId);
    eq(logs.stdout, 'out1\nout2\nout3\n', 'stdout');
    eq(logs.stderr, 'err1\nerr2\nerr3\n', 'stderr');
    const c = await sb.process.getSessionCommand('s1', cmdId);
    eq(c.exitCode, 0, 'exit code');
  });

  await check('session delete', async () => {
    await sb.process.deleteSession('s1');
    await expectError(sb.process.getSession('s1'), DaytonaNotFoundError, 'deleted session');
  });

  await check('git clone offline', async () => {
    const e = await expectError(
      sb.git.clone('https://github.com/octocat/Hello-World.git', `${HOME}/hw`),
      DaytonaError,
      'clone',
    );
    assert(/network access is unavailable/.test(e.message), `message: ${e.message}`);
  });

  // --- preview -----------------------------------------------------------
  await check('preview link to a server in the sandbox', async () => {
    await sb.fs.uploadFile(Buffer.from('served from the sandbox\n'), `${HOME}/www/index.html`);
    await sb.process.createSession('web');
    await sb.process.executeSessionCommand('web', {
      command: `python3 -m http.server 8000 --bind 127.0.0.1 --directory ${HOME}/www`,
      runAsync: true,
    });
    const link = await sb.getPreviewLink(8000);
    assert(link.url && link.token, 'no url or token');
    let last = null;
    for (let i = 0; i < 100; i++) {
      last = await previewGet(link.url, { 'X-Daytona-Preview-Token': link.token });
      if (last.status === 200) break;
      await sleep(100);
    }
    eq(last.status, 200, `status of ${link.url}`);
    eq(last.body, 'served from the sandbox\n', 'body');
    const anon = await previewGet(link.url, {});
    assert(anon.status !== 200, `preview without a token answered ${anon.status}`);
  });

  // --- list, stop/start, delete -------------------------------------------
  await check('list by labels', async () => {
    other = await daytona.create({ labels: { suite: SUITE, kind: 'other' } }, { timeout: 60 });
    created.push(other);
    const ids = [];
    for await (const s of daytona.list({ labels: { suite: SUITE } })) ids.push(s.id);
    eq(ids.sort(), [sb.id, other.id].sort(), 'sandboxes of the suite');
    const mains = [];
    for await (const s of daytona.list({ labels: { suite: SUITE, kind: 'main' } })) mains.push(s.id);
    eq(mains, [sb.id], 'sandboxes with kind=main');
  });

  await check('network controls', async () => {
    assert(other, 'no second sandbox');
    eq(other.networkBlockAll, true, 'no allow-list: no egress');
    const net = await daytona.create({ labels: { suite: SUITE, kind: 'net' },
      networkAllowList: '10.0.2.2/32' }, { timeout: 60 });
    created.push(net);
    eq(net.networkAllowList, '10.0.2.2/32', 'networkAllowList');
    eq(net.networkBlockAll, false, 'networkBlockAll');
    const r = await net.process.executeCommand('tail -n +2 /proc/net/route | cut -f1,2');
    eq(r.result, 'tap0\t0202000A\n', 'the one route, to the allowed address');
    await net.delete(60, true);
    created.splice(created.indexOf(net), 1);
  });

  await check('stop and start', async () => {
    await sb.stop(60);
    eq(sb.state, 'stopped', 'state after stop');
    await sb.start(60);
    eq(sb.state, 'started', 'state after start');
    const r = await sb.process.executeCommand(`cat ${HOME}/hello.txt`);
    eq(r.result, 'hello world\n', 'files survive a stop');
  });

  await check('delete', async () => {
    assert(other, 'no second sandbox');
    await other.delete(60, true);
    await expectError(daytona.get(other.id), DaytonaNotFoundError, 'deleted sandbox');
    created.splice(created.indexOf(other), 1);
  });

  await check('get unknown id', async () => {
    const e = await expectError(daytona.get('does-not-exist'), DaytonaNotFoundError, 'unknown id');
    eq(e.statusCode, 404, 'status code');
  });

  // --- injected faults ----------------------------------------------------
  if (env.DAYTONA_LITE_FAULT_429_URL) {
    await check('fault 429 is DaytonaRateLimitError', async () => {
      const e = await expectError(client(env.DAYTONA_LITE_FAULT_429_URL).create({}, { timeout: 30 }),
        DaytonaRateLimitError, 'create');
      eq(e.statusCode, 429, 'status code');
      assert(e.headers && e.headers['retry-after-sandbox-create'], 'no retry-after-sandbox-create header');
    });
  } else skip('fault 429 is DaytonaRateLimitError', 'DAYTONA_LITE_FAULT_429_URL not set');

  if (env.DAYTONA_LITE_FAULT_ERROR_URL) {
    await check('fault sandbox in error is DaytonaError', async () => {
      const e = await expectError(client(env.DAYTONA_LITE_FAULT_ERROR_URL).create({}, { timeout: 30 }),
        DaytonaError, 'create');
      assert(!(e instanceof DaytonaTimeoutError), `a timeout: ${e.message}`);
      assert(/error/.test(e.message), `message: ${e.message}`);
    });
  } else skip('fault sandbox in error is DaytonaError', 'DAYTONA_LITE_FAULT_ERROR_URL not set');

  if (env.DAYTONA_LITE_FAULT_5XX_URL) {
    await check('fault 5xx is a server error class', async () => {
      const e = await expectError(client(env.DAYTONA_LITE_FAULT_5XX_URL).get('any'), DaytonaError, 'get');
      assert(e instanceof DaytonaInternalServerError || e instanceof DaytonaBadGatewayError ||
        e instanceof DaytonaServiceUnavailableError, `got ${fmtError(e)}`);
    });
  } else skip('fault 5xx is a server error class', 'DAYTONA_LITE_FAULT_5XX_URL not set');

  return finish(daytona);
}

async function finish(daytona) {
  for (const s of created) {
    try {
      await daytona.delete(s, 60);
    } catch (e) {
      console.log(`note: cannot delete sandbox ${s.id}: ${fmtError(e)}`);
    }
  }
  summary();
}

run(main);
