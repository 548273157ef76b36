import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Tests import workspace packages from source, so they run without a build. */
function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const dir of ['libs', 'services']) {
    for (const name of readdirSync(dir)) {
      const pkgFile = join(dir, name, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; exports?: { '.': { default: string } } };
      const entry = pkg.exports?.['.']?.default;
      if (!entry) continue;
      aliases[pkg.name] = resolve(dir, name, entry.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: ['libs/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/setup/servers.ts'],
    testTimeout: 30_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
