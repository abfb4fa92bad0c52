// One sandbox lifecycle with the official Daytona TypeScript SDK, the same
// steps as `runeval lifecycle --daytona --json`: create (and wait until
// started), upload a small tar.gz and check + unpack it, exec (read the
// file back), preview URL, delete.  Prints one span line per step, like
// the C side.  Usage: node daytona_sdk_lifecycle.cjs SDK_DIR TARBALL SHA256
'use strict';
const { createRequire } = require('module');
const path = require('path');
const fs = require('fs');

const [sdkDir, tarball, sha] = process.argv.slice(2);
const { Daytona } = createRequire(path.join(sdkDir, 'package.json'))(
	'@daytonaio/sdk');

function span(phase, t0, ok) {
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	process.stdout.write(JSON.stringify({ provider: 'daytona-sdk', phase,
		ms: Math.round(ms * 1000) / 1000, ok }) + '\n');
}

async function main() {
	const daytona = new Daytona({ apiKey: process.env.DAYTONA_API_KEY,
		apiUrl: process.env.DAYTONA_API_URL });
	const job = `sdk-${Date.now()}-${process.pid}`;
	let t0 = process.hrtime.bigint();
	const sb = await daytona.create({ labels: { 'runeval.job': job },
		ephemeral: true });
	span('provision', t0, true);

	t0 = process.hrtime.bigint();
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

	t0 = process.hrtime.bigint();
	const link = await sb.getPreviewLink(8000);
	span('preview', t0, !!link.url);

	t0 = process.hrtime.bigint();
	await sb.delete();
	span('teardown', t0, true);
	if (daytona[Symbol.asyncDispose])
		await daytona[Symbol.asyncDispose]();
}

main().then(() => process.exit(0), (e) => {
	process.stderr.write(`sdk lifecycle failed: ${e.message}\n`);
	process.exit(3);
});
