// One sandbox lifecycle with the official E2B SDK (e2b, tests/sdk), the
// same steps as `runeval lifecycle --e2b --json`: create (201 once it
// runs), upload a small tar.gz and check + unpack it, exec (read the file
// back), the URL of port 8000, kill.  Prints one span line per step, like
// the C side.  Reads E2B_API_URL, E2B_SANDBOX_URL and E2B_API_KEY.
// Usage: node e2b_sdk_lifecycle.cjs SDK_DIR TARBALL SHA256
'use strict';
const { createRequire } = require('module');
const path = require('path');
const fs = require('fs');

const [sdkDir, tarball, sha] = process.argv.slice(2);
const { Sandbox } = createRequire(path.join(sdkDir, 'package.json'))('e2b');

function span(phase, t0, ok) {
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	process.stdout.write(JSON.stringify({ provider: 'e2b-sdk', phase,
		ms: Math.round(ms * 1000) / 1000, ok }) + '\n');
}

async function main() {
	const env = process.env;
	const job = `sdk-${Date.now()}-${process.pid}`;
	let t0 = process.hrtime.bigint();
	const sb = await Sandbox.create('base', { apiKey: env.E2B_API_KEY,
		apiUrl: env.E2B_API_URL, sandboxUrl: env.E2B_SANDBOX_URL,
		metadata: { 'runeval.job': job }, timeoutMs: 300000 });
	span('provision', t0, true);

	t0 = process.hrtime.bigint();
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

	t0 = process.hrtime.bigint();
	const host = sb.getHost(8000);
	span('preview', t0, !!host);

	t0 = process.hrtime.bigint();
	await sb.kill();
	span('teardown', t0, true);
}

main().then(() => process.exit(0), (e) => {
	process.stderr.write(`sdk lifecycle failed: ${e.message}\n`);
	process.exit(3);
});
