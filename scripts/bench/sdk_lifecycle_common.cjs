// What the SDK lifecycle scripts (daytona_sdk_lifecycle.cjs,
// e2b_sdk_lifecycle.cjs) share: span lines like the C side's, the
// time-to-interactive wait done as bench.c's bench_first_200 does it, and
// the teardown that runs whatever a step did.
'use strict';
const dns = require('dns');
const http = require('http');

// span(phase, t0, ok) prints one span line of provider who; failed()
// says whether a step failed (the run is then no sample: exit 3).
function spans(who) {
	let bad = false;

	return {
		span(phase, t0, ok) {
			const ms = Number(process.hrtime.bigint() - t0) / 1e6;

			bad = bad || !ok;
			process.stdout.write(JSON.stringify({ provider: who, phase,
				ms: Math.round(ms * 1000) / 1000, ok }) + '\n');
		},
		failed: () => bad,
	};
}

// A sandbox's *.localhost host resolves to loopback here (glibc does
// not; libcurl does); its Host header stays.
function lookup(host, opts, cb) {
	if (!host.endsWith('.localhost'))
		return dns.lookup(host, opts, cb);
	return opts && opts.all ?
		cb(null, [{ address: '127.0.0.1', family: 4 }]) :
		cb(null, '127.0.0.1', 4);
}

// One GET on agent: its status, or 0 when it could not be made.
function status(url, headers, agent) {
	return new Promise((resolve) => {
		const req = http.get(url, { headers, lookup, agent }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', () => resolve(0));
		req.setTimeout(5000, () => req.destroy());
	});
}

// GET url until its first 200 over one keep-alive connection (C's pool):
// a quarter of a millisecond between tries, doubling up to 4 ms, for at
// most 60 s.  True when it came.
async function first200(url, headers) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const end = Date.now() + 60000;
	let nap = 0.25;

	try {
		while (Date.now() < end) {
			if (await status(url, headers, agent) === 200)
				return true;
			await new Promise((done) => setTimeout(done, nap));
			if (nap < 4)
				nap *= 2;
		}
		return false;
	} finally {
		agent.destroy();
	}
}

// steps(), then remove() whatever happened: a step that threw leaves no
// sandbox behind.  The removal is the teardown span (not ok when it threw
// itself); a step's error goes on up after it.
async function thenTeardown(span, steps, remove) {
	try {
		await steps();
	} finally {
		const t0 = process.hrtime.bigint();
		let ok = true;

		try {
			await remove();
		} catch (e) {
			ok = false;
			process.stderr.write(`teardown failed: ${e.message}\n`);
		}
		span('teardown', t0, ok);
	}
}

module.exports = { spans, first200, thenTeardown };
