// The dashboard's end-to-end flow in headless Chromium:
//
//	node flow.mjs URL SCREENSHOT_DIR [SANDBOX_URL]
//
// URL is a running `universe ui` over a fresh sandbox (the built-in packages
// plus aardvark, see browser_test.go); SCREENSHOT_DIR gets a PNG of each
// page; SANDBOX_URL is that sandbox, whose admin API injects the failure of
// the rollback step (skipped without it).
//
// The flow: open the catalog (selected packages first), search "spark", open
// it, choose a version, set an option to an invalid value and see the inline
// error at the field, fix it, see the preview and the plan, install by
// keyboard only and watch zookeeper, hdfs and spark become healthy in that
// order; find them under Installed, be warned of dependents, upgrade spark
// with its diff, see their tasks on Cluster, uninstall spark after
// confirming; fill a secret and never see it echoed; see a failing install
// roll back; and have a cross-site POST refused. Every page has one <h1> and
// the navigation, and every control on it an accessible name (as Chromium's
// accessibility tree computes it).
//
// It drives the system chromium (CHROMIUM, default /usr/bin/chromium) with
// playwright-core, which never downloads a browser. Each step prints "ok -
// ..." and the run ends with "N passed, N failed"; the exit status is 0 only
// when every step passed. ui/browser_test.go runs it (go test ./ui -run
// TestBrowser).

import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [base, shotDir, sandboxURL] = process.argv.slice(2);
if (!base || !shotDir) {
	console.error('usage: node flow.mjs URL SCREENSHOT_DIR [SANDBOX_URL]');
	process.exit(2);
}
const url = (p) => new URL(p, base).toString();

// How long one step may wait for the page. The install of three packages on
// a fast sandbox takes seconds; the bound is for a loaded CI machine.
const STEP = Number(process.env.E2E_STEP_TIMEOUT_MS || 30000);
const INSTALL = Number(process.env.E2E_INSTALL_TIMEOUT_MS || 120000);
// STEP_LIMIT bounds a whole step, so that a hang anywhere (a CDP call has
// no timeout of its own) fails the step that hung instead of the run.
const STEP_LIMIT = INSTALL + 60000;

let passed = 0;
let failed = 0;

function fail(msg) {
	throw new Error(msg);
}

// withTimeout fails after ms with what was being waited for.
async function withTimeout(promise, ms, what) {
	let timer;
	try {
		return await Promise.race([promise, new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
		})]);
	} finally {
		clearTimeout(timer);
	}
}

function check(cond, msg) {
	if (!cond) fail(msg);
}

// step runs one named part of the flow; the flow stops at the first failure
// (later steps depend on earlier ones), after a screenshot of the page.
async function step(page, name, fn) {
	const t0 = Date.now();
	let timer;
	try {
		await Promise.race([fn(), new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`the step did not finish within ${STEP_LIMIT} ms`)), STEP_LIMIT);
		})]);
		clearTimeout(timer);
		passed++;
		console.log(`ok - ${name} (${Date.now() - t0} ms)`);
	} catch (err) {
		clearTimeout(timer);
		failed++;
		console.log(`not ok - ${name}: ${err && err.stack ? err.stack : err}`);
		console.log(`  at ${page.url()}`);
		await shot(page, `failed-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => {});
		throw err;
	}
}

let page;

async function shot(p, name) {
	await p.screenshot({ path: path.join(shotDir, `${name}.png`), fullPage: true });
}

// pageChecks are what every page of the dashboard has: one <h1>, and a
// navigation with the links Catalog, Installed and Cluster.
async function pageChecks(p) {
	const h1s = await p.locator('h1').count();
	check(h1s === 1, `${p.url()}: ${h1s} <h1> elements, want 1`);
	const nav = p.getByRole('navigation');
	check((await nav.count()) >= 1, `${p.url()}: no navigation landmark`);
	for (const name of ['Catalog', 'Installed', 'Cluster']) {
		const n = await nav.getByRole('link', { name, exact: true }).count();
		check(n >= 1, `${p.url()}: no link "${name}" in the navigation`);
	}
	await unnamedControls(p);
}

// controlRoles are the accessibility roles of form controls and buttons.
const controlRoles = new Set([
	'button', 'checkbox', 'combobox', 'listbox', 'menuitemcheckbox', 'radio',
	'searchbox', 'slider', 'spinbutton', 'switch', 'textbox', 'link',
]);

// unnamedControls fails listing every control of the page (in the
// browser's own accessibility tree, so labels, aria-label, aria-labelledby
// and title all count as Chromium computes them) that has no accessible
// name.
async function unnamedControls(p) {
	const cdp = await p.context().newCDPSession(p);
	try {
		const { nodes } = await withTimeout(cdp.send('Accessibility.getFullAXTree'), STEP, 'reading the accessibility tree');
		const bad = [];
		for (const n of nodes) {
			if (n.ignored || !n.role || !controlRoles.has(n.role.value)) continue;
			const name = n.name && typeof n.name.value === 'string' ? n.name.value.trim() : '';
			if (name !== '') continue;
			let what = n.role.value;
			if (n.backendDOMNodeId) {
				const { node } = await withTimeout(cdp.send('DOM.describeNode', { backendNodeId: n.backendDOMNodeId }), STEP, 'describing a node');
				const attrs = {};
				for (let i = 0; i + 1 < (node.attributes || []).length; i += 2) attrs[node.attributes[i]] = node.attributes[i + 1];
				what = `<${node.localName}${['id', 'name', 'type', 'class'].filter((a) => a in attrs).map((a) => ` ${a}="${attrs[a]}"`).join('')}> (${n.role.value})`;
			}
			bad.push(what);
		}
		check(bad.length === 0, `${p.url()}: controls without an accessible name:\n    ${bad.join('\n    ')}`);
	} finally {
		await withTimeout(cdp.detach(), STEP, 'detaching from the page').catch(() => {});
	}
}

// tabTo presses Tab (and nothing else) until the element has the focus:
// the keyboard reaches it, and shows it has the focus. It fails after max
// presses.
async function tabTo(p, locator, what, max = 120) {
	// The locator is resolved again at each press: a list redrawn
	// meanwhile (search as you type) replaces its elements.
	await locator.waitFor({ timeout: STEP });
	for (let i = 0; i <= max; i++) {
		if (await locator.evaluate((el) => el === document.activeElement)) {
			// Where the focus is must show (WCAG 2.4.7): an outline or a ring.
			const ring = await locator.evaluate((el) => {
				const cs = getComputedStyle(el);
				return (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
			});
			check(ring, `${what}: no visible focus indicator (outline or box-shadow) when focused by keyboard`);
			return;
		}
		await p.keyboard.press('Tab');
	}
	fail(`${what}: not reached with ${max} presses of Tab`);
}

// typeInto replaces the focused text control's value by keyboard.
async function retype(p, text) {
	await p.keyboard.press('Control+A');
	await p.keyboard.press('Backspace');
	await p.keyboard.type(text);
}

// describedText is the text of the elements the control's aria-describedby
// names.
async function describedText(locator) {
	return locator.evaluate((el) => (el.getAttribute('aria-describedby') || '')
		.split(/\s+/).filter(Boolean)
		.map((id) => document.getElementById(id))
		.filter(Boolean)
		.map((d) => d.textContent.trim())
		.join(' | '));
}

// errorFor waits for the inline error of a field: aria-invalid="true" on
// the control and, among the elements its aria-describedby names, one that
// is announced (role=alert or aria-live) and has text. It returns the text.
async function errorFor(p, field, what) {
	await until(field, (el) => {
		if (el.getAttribute('aria-invalid') !== 'true') return false;
		return (el.getAttribute('aria-describedby') || '').split(/\s+/).some((id) => {
			const d = id && document.getElementById(id);
			if (!d || d.textContent.trim() === '') return false;
			const live = d.closest('[role="alert"],[aria-live]:not([aria-live="off"])');
			return live !== null;
		});
	}).catch(() => fail(`${what}: no inline error (aria-invalid="true" and an announced message linked by aria-describedby) appeared`));
	return field.evaluate((el) => (el.getAttribute('aria-describedby') || '').split(/\s+/)
		.map((id) => id && document.getElementById(id))
		.filter((d) => d && d.closest('[role="alert"],[aria-live]:not([aria-live="off"])') && d.textContent.trim() !== '')
		.map((d) => d.textContent.trim()).join(' | '));
}

async function main() {
	await mkdir(shotDir, { recursive: true });
	const profile = await mkdtemp(path.join(tmpdir(), 'universe-e2e-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: [
			'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync',
			// CI containers often have a small /dev/shm, which crashes
			// Chromium; Debian's launcher adds this only when it can tell.
			'--disable-dev-shm-usage',
		],
		viewport: { width: 1280, height: 900 },
		timeout: 60000,
	});
	context.setDefaultTimeout(STEP);
	page = context.pages()[0] || await context.newPage();
	const pageErrors = [];
	page.on('pageerror', (err) => pageErrors.push(String(err)));
	page.on('response', (r) => {
		if (r.status() >= 400) console.log(`  ${r.request().method()} ${r.url()}: ${r.status()}`);
	});
	page.on('console', (msg) => {
		if (msg.type() === 'error') console.log(`  console error at ${page.url()}: ${msg.text()}`);
	});
	// Record every data-state a [data-package] element shows, in order, from
	// the first script on every page: the install page's order of
	// transitions is read from it.
	await page.addInitScript(() => {
		window.__transitions = [];
		const seen = new Map();
		const note = (el) => {
			if (!(el instanceof Element)) return;
			const els = [el, ...el.querySelectorAll('[data-package][data-state]')];
			for (const e of els) {
				if (!e.hasAttribute('data-package') || !e.hasAttribute('data-state')) continue;
				const pkg = e.getAttribute('data-package');
				const state = e.getAttribute('data-state');
				if (seen.get(e) === state) continue;
				seen.set(e, state);
				window.__transitions.push({ pkg, state, t: performance.now() });
			}
		};
		new MutationObserver((records) => {
			for (const r of records) {
				if (r.type === 'attributes') note(r.target);
				for (const n of r.addedNodes || []) note(n);
			}
		}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-package'] });
		document.addEventListener('DOMContentLoaded', () => note(document.documentElement));
	});

	try {
		await flow(page);
		check(pageErrors.length === 0, `script errors in the pages:\n    ${pageErrors.join('\n    ')}`);
	} finally {
		await withTimeout(context.close(), STEP, 'closing the browser').catch((err) => console.log(`  ${err.message}`));
		await rm(profile, { recursive: true, force: true });
	}
}

async function flow(page) {
	// --- Catalog -------------------------------------------------------
	await step(page, 'catalog lists packages, selected ones first', async () => {
		await page.goto(url('/'));
		await page.getByRole('link', { name: /^spark/ }).first().waitFor();
		await pageChecks(page);
		const api = await (await page.request.get(url('/api/packages'))).json();
		const list = Array.isArray(api) ? api : api.packages;
		check(Array.isArray(list) && list.length >= 8, `GET /api/packages: want the list of packages, got ${JSON.stringify(api).slice(0, 200)}`);
		// The cards in page order, by the package name that starts each
		// link's accessible name.
		const names = list.map((p) => p.name);
		const cards = await cardOrder(page, names);
		check(cards.length === names.length, `catalog shows ${cards.length} package cards (${cards.join(', ')}), the API lists ${names.length}`);
		const selected = new Set(list.filter((p) => p.selected).map((p) => p.name));
		check(selected.has('spark'), 'spark is not marked selected in /api/packages');
		const firstPlain = cards.findIndex((n) => !selected.has(n));
		const lastSelected = cards.map((n) => selected.has(n)).lastIndexOf(true);
		check(firstPlain === -1 || lastSelected < firstPlain, `selected packages are not first: ${cards.map((n) => (selected.has(n) ? `${n}*` : n)).join(', ')}`);
		await shot(page, '01-catalog');
	});

	await step(page, 'typing "spark" in the search filters the catalog as you type', async () => {
		const search = page.getByLabel('Search packages', { exact: true });
		await search.focus();
		await page.keyboard.type('spark');
		await page.waitForFunction(() => {
			const links = [...document.querySelectorAll('a')];
			return !links.some((a) => /^\s*cassandra/.test(a.textContent) && a.offsetParent !== null);
		}).catch(() => fail('cassandra is still shown after searching "spark"'));
		check(await page.getByRole('link', { name: /^spark/ }).first().isVisible(), 'the spark card is not shown after searching "spark"');
		await shot(page, '02-catalog-search-spark');
	});

	await step(page, 'the spark card opens the package page (keyboard)', async () => {
		const card = page.getByRole('link', { name: /^spark/ }).first();
		await tabTo(page, card, 'the spark card');
		await Promise.all([page.waitForURL(/\/packages\/spark(\?|$)/), page.keyboard.press('Enter')]);
		await page.locator('h1').waitFor();
		const h1 = (await page.locator('h1').textContent()).trim();
		check(h1 === 'spark', `package page <h1> = ${JSON.stringify(h1)}, want "spark"`);
	});

	// --- Package page --------------------------------------------------
	const field = (ptr) => page.locator(`[name="${ptr}"]`);
	await step(page, 'the package page: versions, dependencies and the options form from config.json', async () => {
		await field('/service/name').waitFor();
		await pageChecks(page);
		const version = page.getByLabel('Version', { exact: true });
		check(await version.evaluate((el) => el.tagName === 'SELECT'), 'the control labelled "Version" is not a <select>');
		const versions = await version.locator('option').allTextContents();
		for (const v of ['3.4.3', '3.5.1', '3.5.2']) {
			check(versions.some((t) => t.includes(v)), `version select lacks ${v}: ${versions.join(', ')}`);
		}
		// The dependency graph is an SVG image whose accessible name (the
		// text alternative) names what spark depends on.
		const graph = page.locator('svg').filter({ has: page.locator('line, path, rect, g') });
		check((await graph.count()) >= 1, 'no dependency graph (SVG)');
		await page.getByRole('img', { name: /hdfs/ }).first().waitFor()
			.catch(() => fail('no image (the dependency graph) whose accessible name names hdfs'));
		// Fields: one control per leaf, named by its JSON pointer, typed
		// from the schema, the default filled in, labelled by its name
		// (spark 3.5.2's config.json in packages/S/spark/300).
		const expect = [
			['/service/name', 'INPUT', 'text', 'spark'],
			['/service/cpus', 'INPUT', 'number', '1'],
			['/service/mem', 'INPUT', 'number', '1536'],
			['/history_server/event_log_enabled', 'INPUT', 'checkbox', null],
			['/service/placement_constraints', 'TEXTAREA', null, null],
		];
		for (const [ptr, tag, type, value] of expect) {
			const f = field(ptr);
			check((await f.count()) === 1, `${(await f.count())} controls named ${ptr}, want 1`);
			const got = await f.evaluate((el) => ({ tag: el.tagName, type: el.type, value: el.value, checked: el.checked, id: el.id }));
			check(got.tag === tag, `${ptr}: <${got.tag.toLowerCase()}>, want <${tag.toLowerCase()}>`);
			if (type) check(got.type === type, `${ptr}: type=${got.type}, want ${type}`);
			if (value !== null) check(got.value === value, `${ptr}: value ${JSON.stringify(got.value)}, want the default ${JSON.stringify(value)}`);
			if (type === 'checkbox') check(got.checked === false, `${ptr}: checked, want the default false`);
			const label = page.locator(`label[for="${got.id}"]`);
			check(got.id !== '' && (await label.count()) === 1, `${ptr}: no <label for="${got.id}">`);
			const leaf = ptr.split('/').pop();
			check((await label.textContent()).includes(leaf), `${ptr}: label ${JSON.stringify(await label.textContent())} does not name ${leaf}`);
			const hint = await describedText(f);
			check(hint.length > 0, `${ptr}: no description linked by aria-describedby`);
		}
		check(/required/i.test(await page.locator(`label[for="${await field('/service/name').getAttribute('id')}"]`).evaluate((l) => l.textContent + ' ' + [...l.querySelectorAll('[aria-label],[title]')].map((e) => e.getAttribute('aria-label') || e.getAttribute('title')).join(' '))),
			'/service/name: the label has no "required" mark');
		for (const legend of ['service', 'history_server']) {
			const n = await page.locator('fieldset > legend', { hasText: legend }).count();
			check(n >= 1, `no fieldset with the legend ${legend}`);
		}
		await page.getByRole('region', { name: 'Rendered Marathon JSON' }).waitFor();
		await page.getByRole('region', { name: 'Install plan' }).waitFor();
		await shot(page, '03-package-spark');
	});

	await step(page, 'choosing version 3.5.1 (keyboard) loads its form and notes', async () => {
		const version = page.getByLabel('Version', { exact: true });
		await tabTo(page, version, 'the Version select');
		await chooseByKeyboard(page, version, '3.5.1');
		// 3.5.1's config.json (packages/S/spark/200) defaults mem to 1024.
		await page.waitForFunction(() => {
			const mem = document.querySelector('[name="/service/mem"]');
			return mem && mem.value === '1024' && /Apache Spark 3\.5\.1 installs/.test(document.body.textContent);
		}).catch(async () => fail(`after choosing 3.5.1: mem = ${await field('/service/mem').inputValue().catch(() => '?')}, want its default 1024, and 3.5.1's pre-install notes`));
		await unnamedControls(page);
	});

	await step(page, 'an invalid option shows an inline error at its field and disables Install (keyboard)', async () => {
		const name = field('/service/name');
		await tabTo(page, name, 'the field /service/name');
		await retype(page, 'Bad Name!');
		const msg = await errorFor(page, name, '/service/name = "Bad Name!"');
		const install = page.getByRole('button', { name: 'Install', exact: true });
		await until(install, (b) => b.disabled || b.getAttribute('aria-disabled') === 'true')
			.catch(() => fail('the Install button is not disabled while /service/name is invalid'));
		console.log(`  inline error: ${msg}`);
		await shot(page, '04-package-inline-error');
	});

	await step(page, 'fixing it clears the error; the preview and the plan follow the options', async () => {
		const name = field('/service/name');
		await retype(page, 'spark');
		await until(name, (el) => el.getAttribute('aria-invalid') !== 'true')
			.catch(() => fail('/service/name is still aria-invalid after fixing it'));
		// A change the preview must show: the dispatcher's memory.
		const mem = field('/service/mem');
		await tabTo(page, mem, 'the field /service/mem');
		await retype(page, '2048');
		// And a checkbox, toggled with Space.
		const events = field('/history_server/event_log_enabled');
		await tabTo(page, events, 'the checkbox /history_server/event_log_enabled');
		await page.keyboard.press('Space');
		check(await events.isChecked(), 'Space did not check /history_server/event_log_enabled');
		const preview = page.getByRole('region', { name: 'Rendered Marathon JSON' });
		await until(preview, (el) => /"mem"\s*:\s*2048\b/.test(el.textContent) && /"id"\s*:\s*"\/spark"/.test(el.textContent) && /spark\.eventLog\.enabled=true/.test(el.textContent))
			.catch(async () => fail(`the preview does not show id /spark with mem 2048 and spark.eventLog.enabled=true: ${(await preview.textContent()).slice(0, 400)}`));
		const plan = (await page.getByRole('region', { name: 'Install plan' }).textContent()).replace(/\s+/g, ' ');
		const at = ['zookeeper', 'hdfs', 'spark'].map((n) => plan.indexOf(n));
		check(at.every((i) => i >= 0) && at[0] < at[1] && at[1] < at[2], `the plan does not list zookeeper, hdfs, spark in that order: ${plan.slice(0, 400)}`);
		const install = page.getByRole('button', { name: 'Install', exact: true });
		await until(install, (b) => !b.disabled && b.getAttribute('aria-disabled') !== 'true')
			.catch(() => fail('the Install button stays disabled with valid options'));
		await shot(page, '05-package-preview-plan');
	});

	// --- Install -------------------------------------------------------
	await step(page, 'Install (keyboard) streams the progress: zookeeper, hdfs, spark healthy in order', async () => {
		const install = page.getByRole('button', { name: 'Install', exact: true });
		await tabTo(page, install, 'the Install button');
		await Promise.all([page.waitForURL(/\/installs\/[^/]+$/), page.keyboard.press('Enter')]);
		await pageChecks(page);
		await page.locator('[data-package="spark"]').first().waitFor();
		await shot(page, '06-install-progress');
		await page.waitForFunction(() => ['zookeeper', 'hdfs', 'spark'].every((n) => {
			const el = document.querySelector(`[data-package="${n}"]`);
			return el && el.getAttribute('data-state') === 'healthy';
		}), null, { timeout: INSTALL }).catch(async () => {
			const states = await page.locator('[data-package]').evaluateAll((els) => els.map((e) => `${e.dataset.package}=${e.dataset.state}`));
			fail(`not all of zookeeper, hdfs, spark became healthy: ${states.join(', ')}`);
		});
		const tr = await page.evaluate(() => window.__transitions);
		const seq = tr.map((x) => `${x.pkg}:${x.state}`);
		console.log(`  transitions: ${seq.join(' ')}`);
		const first = (pkg, state) => tr.findIndex((x) => x.pkg === pkg && x.state === state);
		const healthy = ['zookeeper', 'hdfs', 'spark'].map((n) => first(n, 'healthy'));
		check(healthy.every((i) => i >= 0), `a package never showed healthy: ${seq.join(' ')}`);
		check(healthy[0] < healthy[1] && healthy[1] < healthy[2], `healthy out of order (want zookeeper, hdfs, spark): ${seq.join(' ')}`);
		// Health-gated: a dependent starts deploying only once what it
		// depends on is healthy.
		for (const [dep, pkg] of [['zookeeper', 'hdfs'], ['hdfs', 'spark']]) {
			const d = first(pkg, 'deploying');
			check(d === -1 || d > first(dep, 'healthy'), `${pkg} was deploying before ${dep} was healthy: ${seq.join(' ')}`);
		}
		check(!seq.some((s) => /:(failed|removing|removed)$/.test(s)), `a package failed or was rolled back: ${seq.join(' ')}`);
		// Each row counts its tasks: running, healthy and wanted (the
		// built-in packages' defaults: 3 zookeeper nodes, 9 hdfs tasks, 1
		// spark dispatcher).
		for (const [pkg, n] of [['zookeeper', 3], ['hdfs', 9], ['spark', 1]]) {
			const row = page.locator(`[data-package="${pkg}"]`).first();
			const cells = await row.locator('td, th').allTextContents();
			const same = cells.filter((c) => c.trim() === String(n)).length;
			const text = (await row.textContent()).replace(/\s+/g, ' ');
			check(same >= 3 || new RegExp(`\\b${n}\\s*/\\s*${n}\\s*/\\s*${n}\\b`).test(text), `the ${pkg} row does not count ${n} running, ${n} healthy, ${n} wanted: ${text}`);
		}
		// The end: the final status, and the post-install notes of spark.
		await page.getByText(/spark-submit --deploy-mode cluster/).first().waitFor()
			.catch(() => fail('spark\'s post-install notes are not shown at the end'));
		await shot(page, '07-install-done');
	});

	// --- Installed -----------------------------------------------------
	await step(page, 'Installed lists zookeeper, hdfs and spark with versions and what depends on what', async () => {
		await navTo(page, 'Installed', /\/installed$/);
		await pageChecks(page);
		for (const n of ['zookeeper', 'hdfs', 'spark']) {
			await page.locator(`tr[data-package="${n}"]`).waitFor().catch(() => fail(`no row for ${n} under Installed`));
		}
		const spark = (await page.locator('tr[data-package="spark"]').textContent()).replace(/\s+/g, ' ');
		check(spark.includes('3.5.1'), `the spark row does not show version 3.5.1: ${spark}`);
		check(spark.includes('/spark'), `the spark row does not show its app id /spark: ${spark}`);
		check(/hdfs/.test(spark), `the spark row does not say it depends on hdfs: ${spark}`);
		const hdfs = (await page.locator('tr[data-package="hdfs"]').textContent()).replace(/\s+/g, ' ');
		check(/spark/.test(hdfs) && /zookeeper/.test(hdfs), `the hdfs row does not say it depends on zookeeper and is required by spark: ${hdfs}`);
		await shot(page, '08-installed');
	});

	await step(page, 'uninstalling hdfs warns that spark depends on it; Cancel keeps everything', async () => {
		const row = page.locator('tr[data-package="hdfs"]');
		// Each row's buttons name their package for a screen reader.
		await row.getByRole('button', { name: 'Uninstall hdfs', exact: true }).click();
		const dialog = page.getByRole('dialog');
		await dialog.getByRole('button', { name: /^Confirm uninstall/ }).waitFor().catch(() => fail('no "Confirm uninstall" in a dialog after Uninstall of hdfs'));
		const warning = dialog.getByRole('alert');
		check((await warning.count()) >= 1, 'the dialog has no warning (role=alert) about the dependents of hdfs');
		const text = (await warning.first().textContent()).replace(/\s+/g, ' ');
		check(/spark/.test(text), `the warning does not name spark, which depends on hdfs: ${text}`);
		await unnamedControls(page);
		await shot(page, '09-uninstall-dependents-warning');
		await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
		await dialog.waitFor({ state: 'hidden' });
		const names = await installedNames(page);
		check(['zookeeper', 'hdfs', 'spark'].every((n) => names.includes(n)), `after Cancel, installed: ${names.join(', ')}`);
	});

	await step(page, 'upgrading spark shows the Marathon JSON diff, then 3.5.2 runs after confirming', async () => {
		const row = page.locator('tr[data-package="spark"]');
		await row.getByRole('button', { name: 'Upgrade spark', exact: true }).click();
		const dialog = page.getByRole('dialog');
		const confirm = dialog.getByRole('button', { name: /^Confirm upgrade/ });
		await confirm.waitFor().catch(() => fail('no "Confirm upgrade" in a dialog after Upgrade'));
		const target = dialog.getByLabel('Version', { exact: true });
		if ((await target.count()) === 1 && (await target.inputValue()) !== '3.5.2') await target.selectOption('3.5.2');
		// The diff: lines taken away (-) with 3.5.1, added (+) with 3.5.2.
		await until(dialog, (d) => {
			const lines = d.textContent.split('\n');
			return lines.some((l) => /^-.*3\.5\.1/.test(l)) && lines.some((l) => /^\+.*3\.5\.2/.test(l));
		}).catch(async () => fail(`the upgrade dialog shows no Marathon JSON diff from 3.5.1 to 3.5.2: ${(await dialog.textContent()).slice(0, 600)}`));
		await until(confirm, (b) => !b.disabled);
		await unnamedControls(page);
		await shot(page, '10-upgrade-diff');
		check(((await row.textContent()) || '').includes('3.5.1'), 'spark was upgraded before confirming');
		await confirm.click();
		await page.waitForFunction(() => {
			const r = document.querySelector('tr[data-package="spark"]');
			return r && /3\.5\.2/.test(r.textContent);
		}, null, { timeout: INSTALL }).catch(async () => fail(`spark's row does not show 3.5.2 after the upgrade: ${await page.locator('tr[data-package="spark"]').textContent().catch(() => '(no row)')}`));
		const api = await (await page.request.get(url('/api/installed'))).json();
		const spark = (api.packages || []).find((p) => p.name === 'spark');
		check(spark && spark.version === '3.5.2', `GET /api/installed: spark ${spark && spark.version}, want 3.5.2`);
	});

	// --- Cluster -------------------------------------------------------
	await step(page, 'Cluster shows the agents\' resources, their tasks, the deployments and what waits for resources', async () => {
		// An app no agent can hold (50 cpus; agents have 8), put straight on
		// Marathon: its deployment stays open and its task waits in the queue.
		if (sandboxURL) await marathon('POST', '/v2/apps', { id: '/too-big', cmd: 'sleep 1000', cpus: 50, mem: 64, instances: 1 });
		try {
			await navTo(page, 'Cluster', /\/cluster$/);
			await pageChecks(page);
			const agents = page.getByRole('region', { name: 'Agents' });
			await agents.getByRole('table').waitFor().catch(() => fail('no agents table on Cluster'));
			await page.waitForFunction(() => document.querySelectorAll('main table tbody tr, table tbody tr').length >= 6)
				.catch(() => fail('the agents table does not list the sandbox\'s 6 agents'));
			const rows = agents.locator('tbody tr');
			check((await rows.count()) === 6, `the agents table has ${await rows.count()} rows, want the sandbox's 6 agents`);
			// Tasks per agent: each task of the three packages sits in one
			// agent's row; spark's single dispatcher in exactly one.
			const perAgent = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent));
			check(perAgent.filter((t) => /\/spark\b/.test(t)).length === 1, `spark's one task is not in exactly one agent's row: ${perAgent.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
			check(perAgent.filter((t) => /\/zookeeper\b/.test(t)).length >= 1 && perAgent.filter((t) => /\/hdfs\//.test(t)).length >= 1, 'the tasks of zookeeper and hdfs are not shown in the agents\' rows');
			const text = (await agents.textContent()).replace(/\s+/g, ' ');
			for (const r of [/cpu/i, /mem/i, /disk/i, /used/i, /free/i]) check(r.test(text), `Cluster does not show ${r} of the agents`);
			if (sandboxURL) {
				const waiting = page.getByRole('region', { name: 'Waiting for resources' });
				await until(waiting, (el) => /\/too-big/.test(el.textContent), STEP)
					.catch(async () => fail(`"Waiting for resources" does not list /too-big: ${(await waiting.textContent()).replace(/\s+/g, ' ')}`));
				const deps = (await page.getByRole('region', { name: 'Deployments' }).textContent()).replace(/\s+/g, ' ');
				check(/too-big/.test(deps), `"Deployments" does not list the deployment of /too-big: ${deps}`);
			}
			await shot(page, '11-cluster');
		} finally {
			if (sandboxURL) await marathon('DELETE', '/v2/apps/too-big?force=true');
		}
	});

	// --- Uninstall -----------------------------------------------------
	await step(page, 'uninstalling spark asks for confirmation, then spark is gone and its dependencies stay', async () => {
		await navTo(page, 'Installed', /\/installed$/);
		const row = page.locator('tr[data-package="spark"]');
		await row.getByRole('button', { name: /^Uninstall\b/ }).click();
		const confirm = page.getByRole('dialog').getByRole('button', { name: /^Confirm uninstall/ });
		await confirm.waitFor().catch(() => fail('no "Confirm uninstall" button after Uninstall'));
		const dialog = page.getByRole('dialog');
		check((await dialog.count()) >= 1, 'the confirmation is not a dialog');
		await unnamedControls(page);
		await shot(page, '12-uninstall-confirm');
		check((await page.locator('tr[data-package="spark"]').count()) === 1, 'spark was removed before confirming');
		await confirm.click();
		await page.waitForFunction(() => {
			const r = document.querySelector('tr[data-package="spark"]');
			return r === null || r.getAttribute('data-state') === 'removed';
		}, null, { timeout: INSTALL }).catch(() => fail('spark is still listed under Installed after confirming its uninstall'));
		const names = await installedNames(page);
		check(!names.includes('spark'), `GET /api/installed still lists spark: ${names.join(', ')}`);
		check(names.includes('hdfs') && names.includes('zookeeper'), `GET /api/installed lost spark's dependencies: ${names.join(', ')}`);
		await page.reload();
		await page.locator('tr[data-package="hdfs"]').waitFor();
		check((await page.locator('tr[data-package="spark"]').count()) === 0, 'spark is listed under Installed after a reload');
		await shot(page, '13-installed-after-uninstall');
	});

	// --- A second repository's package, with a secret ---------------------
	const secret = 'e2e-Secret-7731';
	const leaks = [];
	const watchLeaks = async (r) => {
		if (!r.url().includes('/api/') || /event-stream/.test(r.headers()['content-type'] || '')) return;
		const body = await r.text().catch(() => '');
		if (leaked(body, secret)) leaks.push(`${r.request().method()} ${r.url()}`);
	};
	await step(page, 'a package from a second repository: enum as a select, a secret as a password, never echoed', async () => {
		page.on('response', watchLeaks);
		await page.goto(url('/'));
		const card = page.getByRole('link', { name: /^aardvark/ });
		await card.waitFor().catch(() => fail('the catalog does not show aardvark from the second repository'));
		await Promise.all([page.waitForURL(/\/packages\/aardvark/), card.click()]);
		await field('/auth/token').waitFor();
		await pageChecks(page);
		const level = field('/service/log_level');
		check(await level.evaluate((el) => el.tagName === 'SELECT'), '/service/log_level (an enum) is not a <select>');
		const opts = await level.locator('option').evaluateAll((os) => os.map((o) => o.textContent.trim()));
		check(['debug', 'info', 'warn'].every((v) => opts.includes(v)), `/service/log_level options ${opts.join(', ')}, want debug, info, warn`);
		const chosen = await level.evaluate((el) => el.options[el.selectedIndex]?.textContent.trim());
		check(chosen === 'info', `/service/log_level shows ${chosen}, want the default info`);
		check((await page.getByLabel(/^Log level/).count()) >= 1, 'no control labelled by the title "Log level"');
		check((await field('/service/verbose_health').getAttribute('type')) === 'checkbox', '/service/verbose_health (a boolean) is not a checkbox');
		check((await field('/auth/token').getAttribute('type')) === 'password', '/auth/token (media application/x-secret+string) is not a password field');
		await tabTo(page, level, 'the field /service/log_level');
		await chooseByKeyboard(page, level, 'warn');
		await tabTo(page, field('/auth/token'), 'the field /auth/token');
		await page.keyboard.type(secret);
		const preview = page.getByRole('region', { name: 'Rendered Marathon JSON' });
		await until(preview, (el) => /"LOG_LEVEL"\s*:\s*"warn"/.test(el.textContent) && /"API_TOKEN"\s*:\s*"[^"]+"/.test(el.textContent))
			.catch(async () => fail(`the preview does not show LOG_LEVEL warn and an API_TOKEN: ${(await preview.textContent()).slice(0, 500)}`));
		// Let the last render answer arrive before looking.
		await page.waitForLoadState('networkidle').catch(() => {});
		check(!leaked(await preview.textContent(), secret), 'the preview shows the secret');
		check(!leaked(await page.getByRole('region', { name: 'Install plan' }).textContent(), secret), 'the install plan shows the secret');
		check(!leaked(await page.locator('body').innerText(), secret), 'the page shows the secret');
		check(leaks.length === 0, `API responses echo the secret: ${leaks.join(', ')}`);
		await shot(page, '14-package-aardvark-secret');
	});

	await step(page, 'installing it: the progress, Installed and the API never show the secret', async () => {
		const install = page.getByRole('button', { name: 'Install', exact: true });
		await until(install, (b) => !b.disabled);
		await tabTo(page, install, 'the Install button');
		await Promise.all([page.waitForURL(/\/installs\/[^/]+$/), page.keyboard.press('Enter')]);
		await page.waitForFunction(() => document.querySelector('[data-package="aardvark"]')?.getAttribute('data-state') === 'healthy', null, { timeout: INSTALL })
			.catch(() => fail('aardvark did not become healthy'));
		check(!leaked(await page.locator('body').innerText(), secret), 'the install page shows the secret');
		await navTo(page, 'Installed', /\/installed$/);
		await page.locator('tr[data-package="aardvark"]').waitFor();
		check(!leaked(await page.locator('body').innerText(), secret), 'Installed shows the secret');
		for (const api of ['/api/installed', '/api/cluster']) {
			check(!leaked(await (await page.request.get(url(api))).text(), secret), `GET ${api} shows the secret`);
		}
		await page.waitForLoadState('networkidle').catch(() => {});
		check(leaks.length === 0, `API responses echo the secret: ${leaks.join(', ')}`);
		page.off('response', watchLeaks);
	});

	// --- Rollback ------------------------------------------------------------
	await step(page, 'a failing install shows its rollback as it happens', async () => {
		if (!sandboxURL) {
			console.log('  skipped: no sandbox URL given (third argument), so no fault to inject');
			return;
		}
		// swarm's tasks never become healthy: its install times out after
		// etcd, its dependency, was deployed, and both are rolled back.
		await setFaults({ failHealth: '/swarm*' });
		try {
			// The package page's install settings: a short timeout, and on
			// failure roll back (the default).
			await page.goto(url('/packages/swarm'));
			await field('/service/name').waitFor();
			const timeout = page.getByLabel('Timeout', { exact: true });
			await timeout.fill('8s');
			const onFailure = page.getByLabel('On failure', { exact: true });
			check((await onFailure.inputValue()) === 'rollback', `On failure = ${await onFailure.inputValue()}, want the default rollback`);
			const install = page.getByRole('button', { name: 'Install', exact: true });
			await until(install, (b) => !b.disabled);
			await Promise.all([page.waitForURL(/\/installs\/[^/]+$/), install.click()]);
			await page.locator('[data-package="swarm"]').first().waitFor();
			await page.waitForFunction(() => ['etcd', 'swarm'].every((n) => document.querySelector(`[data-package="${n}"]`)?.getAttribute('data-state') === 'removed'), null, { timeout: INSTALL })
				.catch(async () => fail(`etcd and swarm were not rolled back: ${(await page.locator('[data-package]').evaluateAll((els) => els.map((e) => `${e.dataset.package}=${e.dataset.state}`))).join(', ')}`));
			const tr = await page.evaluate(() => window.__transitions);
			const seq = tr.map((x) => `${x.pkg}:${x.state}`);
			console.log(`  transitions: ${seq.join(' ')}`);
			const at = (k) => seq.indexOf(k);
			check(at('etcd:healthy') >= 0, `etcd never showed healthy before the rollback: ${seq.join(' ')}`);
			check(at('swarm:failed') > at('etcd:healthy'), `swarm did not show failed after etcd was healthy: ${seq.join(' ')}`);
			check(at('etcd:removing') > at('swarm:failed') && at('etcd:removed') > at('etcd:removing'), `etcd was not shown removing, then removed, after swarm failed: ${seq.join(' ')}`);
			await page.getByText(/rolled.back/i).first().waitFor().catch(() => fail('the final status does not say the install was rolled back'));
			await shot(page, '15-install-rolled-back');
			const names = await installedNames(page);
			check(!names.includes('swarm') && !names.includes('etcd'), `after the rollback, installed: ${names.join(', ')}`);
		} finally {
			await setFaults({});
		}
	});

	// --- Every package page ------------------------------------------------
	await step(page, 'every package\'s page: its form from config.json, every control named', async () => {
		const list = (await (await page.request.get(url('/api/packages'))).json()).packages;
		for (const { name } of list) {
			await page.goto(url(`/packages/${name}`));
			await page.waitForFunction(() => document.querySelector('form [name^="/"]') || /has no options/i.test(document.body.textContent))
				.catch(() => fail(`/packages/${name}: no options form (no control named by a JSON pointer)`));
			await pageChecks(page);
			const h1 = (await page.locator('h1').textContent()).trim();
			check(h1 === name, `/packages/${name}: <h1> = ${JSON.stringify(h1)}`);
			// Every leaf control's label names it: its text is the leaf's
			// title or property name (checked loosely: not empty).
			const unlabelled = await page.locator('form [name^="/"]').evaluateAll((els) => els
				.filter((el) => !el.labels || el.labels.length === 0 || el.labels[0].textContent.trim() === '')
				.map((el) => el.name));
			check(unlabelled.length === 0, `/packages/${name}: controls without a <label for>: ${unlabelled.join(', ')}`);
		}
	});

	// --- Cross-site requests ---------------------------------------------
	await step(page, 'a cross-site form POST is refused and changes nothing', async () => {
		// A page of another origin (about:blank, opaque) posts a form to
		// uninstall hdfs, which nothing depends on any more: were it let
		// through, hdfs would be gone. (The same tab: closing a second tab
		// after its cross-site navigation can hang this Chromium.)
		const target = url('/api/installed/hdfs/uninstall');
		await page.goto('about:blank');
		await page.setContent(`<form method="post" action="${target}" enctype="text/plain"><input name='{"yes":true,"x":"' value='"}'><button>go</button></form>`);
		const [resp] = await Promise.all([
			page.waitForResponse((r) => r.url() === target),
			page.getByRole('button', { name: 'go' }).click(),
		]);
		const body = await resp.text().catch(() => '');
		check(resp.status() === 403, `cross-site POST ${target}: status ${resp.status()}, want 403`);
		// Refused by the cross-origin protection, before the token check.
		check(/cross.?(origin|site)/i.test(body), `the refusal does not name the cross-origin request: ${body}`);
		const names = await installedNames(page);
		check(names.includes('hdfs'), `the refused request uninstalled hdfs: installed ${names.join(', ')}`);
	});
}

// leaked reports whether text holds the secret, as it is or inside a
// base64 string (Marathon labels such as DCOS_PACKAGE_OPTIONS are base64
// JSON).
function leaked(text, secret) {
	if (text.includes(secret)) return true;
	for (const m of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
		const b = m[0].replace(/-/g, '+').replace(/_/g, '/');
		if (Buffer.from(b, 'base64').toString('latin1').includes(secret)) return true;
	}
	return false;
}

// setFaults replaces the sandbox's injected faults (its admin API).
async function setFaults(f) {
	const r = await fetch(new URL('/_sandbox/faults', sandboxURL), { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(f) });
	check(r.ok, `PUT /_sandbox/faults: ${r.status} ${await r.text()}`);
}

// marathon calls the sandbox's Marathon API.
async function marathon(method, path, body) {
	const r = await fetch(new URL(path, sandboxURL), { method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
	check(r.ok, `${method} ${path}: ${r.status} ${await r.text()}`);
}

// until waits for pred(element) to hold, finding the element again at each
// try: pages redraw parts of themselves (forms, lists, dialogs).
async function until(locator, pred, timeout = STEP) {
	const end = Date.now() + timeout;
	for (;;) {
		if (await locator.evaluate(pred, undefined, { timeout: 1000 }).catch(() => false)) return;
		if (Date.now() > end) throw new Error(`waited ${timeout} ms for ${pred}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

// installedNames lists the packages GET /api/installed reports.
async function installedNames(p) {
	const api = await (await p.request.get(url('/api/installed'))).json();
	return (Array.isArray(api) ? api : api.installed || api.packages || []).map((x) => x.name || x.package);
}

// chooseByKeyboard changes the focused <select> to the option whose value or
// text is want, with the arrow keys only.
async function chooseByKeyboard(p, select, want) {
	const pick = () => select.evaluate((el, w) => {
		const opts = [...el.options];
		const i = opts.findIndex((o) => o.value === w || o.textContent.trim().startsWith(w));
		return { at: el.selectedIndex, want: i, n: opts.length };
	}, want);
	let st = await pick();
	check(st.want >= 0, `no option ${want} in the select`);
	for (let i = 0; i < st.n && st.at !== st.want; i++) {
		await p.keyboard.press(st.at < st.want ? 'ArrowDown' : 'ArrowUp');
		st = await pick();
	}
	check(st.at === st.want, `could not choose ${want} with the arrow keys`);
}

// cardOrder is the order of the package cards: for each link on the page
// whose accessible name starts with a package name, that name (longest
// match first, so "hdfs" does not match "hdfs-client").
async function cardOrder(p, names) {
	const byLen = [...names].sort((a, b) => b.length - a.length);
	const labels = await p.locator('a').evaluateAll((as) => as.filter((a) => a.offsetParent !== null).map((a) => (a.getAttribute('aria-label') || a.textContent).trim()));
	const out = [];
	for (const l of labels) {
		const n = byLen.find((x) => l.startsWith(x) && !/^[a-z0-9-]/.test(l.slice(x.length)));
		if (n && !out.includes(n)) out.push(n);
	}
	return out;
}

// navTo follows a link of the navigation by keyboard.
async function navTo(p, name, re) {
	const link = p.getByRole('navigation').getByRole('link', { name, exact: true }).first();
	await link.focus();
	await Promise.all([p.waitForURL(re), p.keyboard.press('Enter')]);
}

main().then(() => {
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}, (err) => {
	if (failed === 0) {
		failed++;
		console.log(`not ok - ${err && err.stack ? err.stack : err}`);
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(1);
});
