// Runs every e2e suite (tests/e2e/*.test.mjs) with Node's built-in test runner.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .map((f) => path.join(dir, f));
if (files.length === 0) throw new Error(`no e2e suite matches ${only.join(' ')}`);

let failed = false;
const stream = run({ files, concurrency: 1 });
stream.on('test:fail', () => { failed = true; });
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => { process.exitCode = failed ? 1 : 0; });
