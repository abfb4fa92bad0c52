// One sandbox lifecycle with the official E2B SDK (e2b, tests/sdk), the
// same steps as `runeval lifecycle --e2b --json` (bench.c's bench_one):
// create (201 once it runs), upload a small tar.gz and check + unpack it,
// exec (read the file back), the interpreter (`python3 -c pass`, where
// `command -v python3` finds one), time to interactive (a `python3 -m
// http.server` started in the background, the host of its port, GETs
// until the first 200, the same backoff), kill.  Prints one span line per
// step, like the C side.  --no-interactive: without the interpreter and
// the time to interactive, as C's.  Reads E2B_API_URL, E2B_SANDBOX_URL
// and E2B_API_KEY.
// Usage: node e2b_sdk_lifecycle.cjs SDK_DIR TARBALL SHA256 [--no-interactive]
'use strict';
const { createRequire } = require('module');
const path = require('path');
const fs = require('fs');
const { spans, first200, thenTeardown } =
	require('./sdk_lifecycle_common.cjs');

const [sdkDir, tarball, sha, flag] = process.argv.slice(2);
const interactiveSteps = flag !== '--no-interactive';
const { Sandbox } = createRequire(path.join(sdkDir, 'package.json'))('e2b');

const { span, failed } = spans('e2b-sdk');
const PORT = 8000;

// A server started in the background, the host of its port, its first
// answer (a private sandbox's traffic token in the header, as C sends).
async function interactive(sb) {
	const t0 = process.hrtime.bigint();
	const h = await sb.commands.run('cd /tmp/runeval-lifecycle && exec ' +
		`python3 -m http.server ${PORT} --bind 0.0.0.0`,
		{ background: true, timeoutMs: 0 });
	const t1 = process.hrtime.bigint();
	const host = sb.getHost(PORT);
	span('preview', t1, !!host);
	const ok = await first200(`http://${host}/`, sb.trafficAccessToken ?
		{ 'e2b-traffic-access-token': sb.trafficAccessToken } : {});
	span('tti', t0, ok);
	await h.kill();
}

// Upload, exec, the interpreter and the time to interactive on sb.
async function steps(sb) {
	let t0 = process.hrtime.bigint();
	const remote = `/tmp/runeval-upload-${process.pid}.tar.gz`;
	await sb.files.write(remote, fs.readFileSync(tarball));
	const unpack = await sb.commands.run(
		`mkdir -p /tmp/runeval-lifecycle && echo '${sha}  ${remote}' | ` +
		`sha256sum -c --status && tar xzf ${remote} -C ` +
		`/tmp/runeval-lifecycle; rc=$?; rm -f ${remote}; exit $rc`,
		{ timeoutMs: 300000 });
	span('upload', t0, unpack.exitCode === 0);

	t0 = process.hrtime.bigint();
	const cat = await sb.commands.run('cat /tmp/runeval-lifecycle/hello.txt',
		{ timeoutMs: 30000 });
	span('exec', t0, cat.exitCode === 0 && cat.stdout.includes('hello'));

	const has = interactiveSteps ? await sb.commands.run(
		'command -v python3 >/dev/null', { timeoutMs: 30000 })
		.catch((e) => e) : {};
	if (has.exitCode === 0) {
		t0 = process.hrtime.bigint();
		const py = await sb.commands.run('python3 -c pass',
			{ timeoutMs: 30000 });
		span('interpreter', t0, py.exitCode === 0);
		await interactive(sb);
	} else {
		t0 = process.hrtime.bigint();
		const host = sb.getHost(PORT);
		span('preview', t0, !!host);
	}
}

async function main() {
	const env = process.env;
	const job = `sdk-${Date.now()}-${process.pid}`;
	const t0 = process.hrtime.bigint();
	const sb = await Sandbox.create('base', { apiKey: env.E2B_API_KEY,
		apiUrl: env.E2B_API_URL, sandboxUrl: env.E2B_SANDBOX_URL,
		metadata: { 'runeval.job': job }, timeoutMs: 300000 });
	span('provision', t0, true);
	await thenTeardown(span, () => steps(sb), () => sb.kill());
}

main().then(() => process.exit(failed() ? 3 : 0), (e) => {
	process.stderr.write(`sdk lifecycle failed: ${e.message}\n`);
	process.exit(3);
});
