// `npm run bench` (after `npm run build`): registers the TypeScript loader and
// runs bench/bench.ts. Arguments: `--only 1,3` runs some benchmarks,
// `--rounds N` overrides the measured rounds (smoke runs), `--before <checkout>`
// runs another built checkout in bench 2a's rounds, `--paths heroku|host` sets
// bench 6's mode (default: the one a build without --paths takes here), and
// `--python-source heroku|local` where bench 6's python layer comes from
// (default heroku: a Heroku-style archive served on loopback).
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
process.setSourceMapsEnabled(true);
const { main } = await import('./bench.ts');
process.exitCode = await main(process.argv.slice(2));
