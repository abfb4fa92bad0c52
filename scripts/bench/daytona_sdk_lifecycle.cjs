// One sandbox lifecycle with the official Daytona TypeScript SDK, the same
// steps as `runeval lifecycle --daytona --json` (bench.c's bench_one):
// create (and wait until started), upload a small tar.gz and check +
// unpack it, exec (read the file back), the interpreter (`python3 -c
// pass`, where `command -v python3` finds one), time to interactive (a
// `python3 -m http.server` started in the background, its preview link,
// GETs until the first 200, the same backoff), delete.  Prints one span
// line per step, like the C side.  --no-interactive: without the
// interpreter and the time to interactive, as C's.
// Usage: node daytona_sdk_lifecycle.cjs SDK_DIR TARBALL SHA256
//        [--no-interactive]
'use strict';
const { createRequire } = require('module');
const path = require('path');
const fs = require('fs');
const { spans, first200, thenTeardown } =
	require('./sdk_lifecycle_common.cjs');

const [sdkDir, tarball, sha, flag] = process.argv.slice(2);
const interactiveSteps = flag !== '--no-interactive';
const { Daytona } = createRequire(path.join(sdkDir, 'package.json'))(
	'@daytonaio/sdk');

const { span, failed } = spans('daytona-sdk');
const PORT = 8000;

// A server started in the background, its preview, its first answer.
async function interactive(sb) {
	const sid = `tti-${process.pid}`;
	const t0 = process.hrtime.bigint();
	await sb.process.createSession(sid);
	await sb.process.executeSessionCommand(sid, { command: 'cd ' +
		'/tmp/runeval-lifecycle && exec python3 -m http.server ' +
		`${PORT} --bind 0.0.0.0`, runAsync: true });
	const t1 = process.hrtime.bigint();
	const link = await sb.getPreviewLink(PORT);
	span('preview', t1, !!link.url);
	const ok = await first200(`${link.url}/`, link.token ?
		{ 'x-daytona-preview-token': link.token } : {});
	span('tti', t0, ok);
	await sb.process.deleteSession(sid);
}

// Upload, exec, the interpreter and the time to interactive on sb.
async function steps(sb) {
	let t0 = process.hrtime.bigint();
	const remote = `/tmp/runeval-upload-${process.pid}.tar.gz`;
	await sb.fs.uploadFile(fs.readFileSync(tarball), remote);
	const unpack = await sb.process.executeCommand(
		`mkdir -p /tmp/runeval-lifecycle && echo '${sha}  ${remote}' | ` +
		`sha256sum -c --status && tar xzf ${remote} -C ` +
		`/tmp/runeval-lifecycle; rc=$?; rm -f ${remote}; exit $rc`,
		undefined, undefined, 300);
	span('upload', t0, unpack.exitCode === 0);

	t0 = process.hrtime.bigint();
	const cat = await sb.process.executeCommand(
		'cat /tmp/runeval-lifecycle/hello.txt', undefined, undefined, 30);
	span('exec', t0, cat.exitCode === 0 && cat.result.includes('hello'));

	const has = interactiveSteps ? await sb.process.executeCommand(
		'command -v python3 >/dev/null', undefined, undefined, 30) : {};
	if (has.exitCode === 0) {
		t0 = process.hrtime.bigint();
		const py = await sb.process.executeCommand('python3 -c pass',
			undefined, undefined, 30);
		span('interpreter', t0, py.exitCode === 0);
		await interactive(sb);
	} else {
		t0 = process.hrtime.bigint();
		const link = await sb.getPreviewLink(PORT);
		span('preview', t0, !!link.url);
	}
}

async function main() {
	const daytona = new Daytona({ apiKey: process.env.DAYTONA_API_KEY,
		apiUrl: process.env.DAYTONA_API_URL });
	const job = `sdk-${Date.now()}-${process.pid}`;
	const t0 = process.hrtime.bigint();
	const sb = await daytona.create({ labels: { 'runeval.job': job },
		ephemeral: true });
	span('provision', t0, true);
	await thenTeardown(span, () => steps(sb), () => sb.delete());
	if (daytona[Symbol.asyncDispose])
		await daytona[Symbol.asyncDispose]();
}

main().then(() => process.exit(failed() ? 3 : 0), (e) => {
	process.stderr.write(`sdk lifecycle failed: ${e.message}\n`);
	process.exit(3);
});
