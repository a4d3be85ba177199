// The import-plugin command's usage: its own --help, its place in the CLI's help, and usage errors (exit 2)
// that open nothing.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    // A database that cannot be opened: a usage error must not get that far.
    env: { SSO_DATABASE_URL: 'sqlite:/nonexistent/folder/sso.sqlite', SSO_DATA_DIR: '/nonexistent/folder' },
  });
  return { code, stdout, stderr };
}

describe('import-plugin usage', () => {
  it('when asked for help, then it explains the command and its options, and the CLI help lists it', async () => {
    const help = await cli('import-plugin', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run cli -- import-plugin <file> [options]');
    for (const option of ['--dry-run', '--allow-admin-links', '--json'])
      expect(help.stdout).toContain(option);
    expect((await cli('--help')).stdout).toContain('import-plugin <file>');
  });

  it('when the file is missing, doubled or an option unknown, then it is a usage error (2)', async () => {
    for (const argv of [[], ['a.xml', 'b.xml'], ['a.xml', '--force']]) {
      const result = await cli('import-plugin', ...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^error: /);
    }
  });

  it('when the file cannot be read, then it says so and exits 1', async () => {
    const result = await cli('import-plugin', '/nonexistent/SSO-Auth.xml');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/nonexistent/SSO-Auth.xml');
  });
});
