// Renders the configuration reference (docs/configuration.md) from the settings registry, so the
// document cannot drift from what the code reads (a test compares the two).
import { PLATFORM_SETTINGS, SETTINGS, type SettingScope } from './settings.js';

const SCOPE: Record<SettingScope, string> = { both: 'Function and CLI', function: 'Function', cli: 'CLI' };

function cell(text: string | undefined): string {
  return (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function configurationReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Every setting is an app setting (Function) or an environment variable (CLI). The CLI also reads a JSON',
    'config file (`--config FILE`, keys are the setting names) and `--set NAME=VALUE`; precedence rises from',
    'the file to the environment to the command line. The jar\'s flags map to settings: `--token` is',
    '`MDCA_TOKEN`, `--proxy` is `MDCA_PROXY`, `--logsDirectory` is `RELAY_LOGS_DIR`.',
    '',
    'A bad or missing setting stops the relay at start-up with one message naming every problem; nothing',
    'is fetched and no checkpoint moves (the CLI exits with code 2). Durations are ISO-8601 (`PT30S`, `PT15M`, `P2D`);',
    'whole numbers are plain decimal digits (`1e3` is refused); a blank value is refused rather than taken as the',
    'default (remove the setting instead).',
    '',
    '| Setting | Used by | Default | Example | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...SETTINGS.map((s) => `| \`${s.name}\`${s.secret ? ' (secret)' : ''} | ${SCOPE[s.scope]} | ${s.default ? `\`${cell(s.default)}\`` : ''} | ${s.example ? `\`${cell(s.example)}\`` : ''} | ${cell(s.description)} |`),
    '',
    '## Read by the Functions host, set by the template',
    '',
    '| Setting | Meaning |',
    '| --- | --- |',
    ...PLATFORM_SETTINGS.map((s) => `| \`${s.name}\` | ${cell(s.description)} |`),
    '',
  ];
  return lines.join('\n');
}
