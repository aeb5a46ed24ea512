#!/usr/bin/env node
// The command-line relay: a drop-in for the retired SIEM agent jar (see `mdca-siem-relay -h`).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`mdca-siem-relay: internal error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 70;
  },
);
