// `--help` on the commands that otherwise start something: usage on stdout, exit 0, nothing started.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(script: string, arg: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, arg], {
      cwd: ROOT,
      // A port nothing else uses: if the command started anyway, the test would see it listening.
      env: { ...process.env, PORT: '1', SSO_DATA_DIR: '/nonexistent/jellyfin-sso-usage-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

for (const [script, arg, heading] of [
  ['src/main.ts', '--help', 'Usage: npm start'],
  ['src/demo/main.ts', '-h', 'Usage: npm run demo'],
  ['bench/run.ts', '--help', 'Usage: npm run bench'],
] as const) {
  it(`when ${script} gets ${arg}, then it prints its usage and exits 0 without starting`, async () => {
    const { code, stdout } = await run(script, arg);
    expect(code).toBe(0);
    expect(stdout.startsWith(heading)).toBe(true);
    expect(stdout).not.toMatch(/listening|demo is running|==>/);
  });
}
